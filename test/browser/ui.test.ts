/**
 * The web UI in a real browser: headless Chromium (playwright-core, the
 * system's /usr/bin/chromium) drives the real service on a real PostgreSQL
 * through demo-like data — normal traffic, then drift, then drift with a
 * serving skew — on a fake clock, and checks the index, a version's history,
 * a drifted run, a degraded parity run, the standalone report and the login
 * flow. Each page is saved as a screenshot under test-output/ui/.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoModels, type DemoBuild } from '../../scripts/buildModels.js';
import { LOGISTIC_COLUMNS, predictLogistic } from '../../scripts/trainLogistic.js';
import type { RunView } from '../../src/core/run.js';
import { demoFeatures, demoRows, featureMatrix, type DemoRow } from '../../src/demo/demoData.js';
import { UI_CONTENT_SECURITY_POLICY } from '../../src/http/routes/ui.js';
import { call, ndjson, startTestService, type TestService } from '../helpers/service.js';

const run = promisify(execFile);
const OUT = path.resolve('test-output/ui');
const MODEL = 'demo-churn';
const DRIFT = { feature: 'tenure_months' as const, sigma: 1, unseenPaymentShare: 0.15 };
const STEP_MS = 10 * 60_000;
const PHONE = { width: 390, height: 844 };

/** Console errors and page errors (CSP violations are console errors in Chromium). */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

describe('web UI', () => {
  let t: TestService;
  let build: DemoBuild;
  let browser: Browser;
  let context: BrowserContext;
  let clockMs = Math.floor((Date.now() - 90 * 60_000) / 60_000) * 60_000;
  let driftRun: RunView;
  let parityRun: RunView;
  let runCount = 0;

  async function log(rows: DemoRow[], served: DemoRow[], step: number): Promise<void> {
    const scores = predictLogistic(build.logistic, featureMatrix(served, LOGISTIC_COLUMNS));
    const records = rows.map((row, i) => ({
      model: MODEL,
      model_version: '1',
      request_id: `ui-${step}-${i}`,
      timestamp: new Date(clockMs - 60_000 + i * 50).toISOString(),
      features: demoFeatures(row),
      score: scores[i],
    }));
    const response = await call<{ rejected: unknown[] }>(t.url, '/v1/predictions', {
      raw: ndjson(records),
      contentType: 'application/x-ndjson',
    });
    expect(response.status).toBe(200);
    expect(response.body.rejected).toEqual([]);
  }

  async function check(kind: string): Promise<RunView> {
    const response = await call<{ runs: RunView[] }>(
      t.url,
      `/v1/models/${MODEL}/checks/${kind}/run?version=1&window=5m`,
      { method: 'POST' },
    );
    expect(response.status).toBe(200);
    runCount += 1;
    return response.body.runs[0]!;
  }

  beforeAll(async () => {
    await mkdir(OUT, { recursive: true });
    build = await buildDemoModels();
    t = await startTestService({ env: { DRIFTWATCH_MODELS_DIR: 'models' }, now: () => clockMs });
    const reference = await readFile('models/demo-churn/reference.csv', 'utf8');
    const imported = await call(t.url, `/v1/models/${MODEL}/versions/1/reference`, {
      method: 'PUT',
      raw: reference,
      contentType: 'text/csv',
    });
    expect(imported.status).toBe(200);
    // Six windows ten minutes apart: two normal, two drifted, two drifted
    // with one row in ten scored on monthly_charges × 10 (the demo's skew).
    for (let step = 0; step < 6; step++) {
      const rows = demoRows(600, 500 + step, step >= 2 ? DRIFT : {});
      const served =
        step >= 4
          ? rows.map((row, i) =>
              i % 10 === 0 ? { ...row, monthly_charges: row.monthly_charges * 10 } : row,
            )
          : rows;
      await log(rows, served, step);
      driftRun = await check('drift');
      parityRun = await check('parity');
      clockMs += STEP_MS;
    }
    expect(driftRun.status).toBe('drift');
    expect(parityRun.status).toBe('degraded');
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox'],
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function open(target: string, screenshot: string, viewport = { width: 1280, height: 900 }) {
    const page = await context.newPage();
    await page.setViewportSize(viewport);
    const errors = watchErrors(page);
    const response = await page.goto(target);
    await page.screenshot({ path: path.join(OUT, screenshot), fullPage: true });
    return { page, errors, response };
  }

  it('lists the models with the latest run of each kind, the drifted version marked', async () => {
    const { page, errors, response } = await open(`${t.url}/`, 'index.png');
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toBe(UI_CONTENT_SECURITY_POLICY);
    expect(await page.locator('h2', { hasText: MODEL }).count()).toBe(1);
    const row = page.locator('tr', { has: page.locator(`a[href="/models/${MODEL}/versions/1"]`) });
    expect(await row.getAttribute('class')).toBe('drifted');
    expect(await row.locator(`a[href="/runs/${driftRun.id}"]`).count()).toBe(1);
    expect(await row.locator(`a[href="/runs/${parityRun.id}"]`).count()).toBe(1);
    expect(await row.textContent()).toContain('degraded');
    // Version 2 has no run: its row says so and is not marked.
    const other = page.locator('tr', {
      has: page.locator(`a[href="/models/${MODEL}/versions/2"]`),
    });
    expect(await other.getAttribute('class')).toBeNull();
    expect(await other.textContent()).toContain('no run');
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows a version's history as charts and its runs as a table", async () => {
    const { page, errors } = await open(`${t.url}/models/${MODEL}/versions/1`, 'version.png');
    const titles = await page.locator('svg.chart title').allTextContents();
    expect(titles).toContain('Share of drifted features per drift run');
    expect(titles.some((title) => title.startsWith('Share of re-scored rows'))).toBe(true);
    // One point per run of each kind, the alarms as squares.
    const driftChart = page.locator('figure', { hasText: 'Drift: share of drifted features' });
    expect(await driftChart.locator('a').count()).toBe(6);
    expect(await driftChart.locator('rect.marked').count()).toBeGreaterThanOrEqual(3);
    const parityChart = page.locator('figure', { hasText: 'Parity: mismatch ratio' });
    expect(await parityChart.locator('rect.marked').count()).toBe(2);
    expect(await page.locator('tbody tr').count()).toBe(runCount);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('marks the drifted features of a drift run and draws one chart per feature', async () => {
    const { page, errors } = await open(`${t.url}/runs/${driftRun.id}`, 'drift-run.png');
    const featureRows = page.locator('table.features tbody tr');
    const features = await featureRows.locator('th').allTextContents();
    expect(features).toContain('tenure_months');
    expect(features).toContain('payment_method');
    const drifted = await page.locator('table.features tbody tr.drifted th').allTextContents();
    expect(drifted).toEqual(expect.arrayContaining(['tenure_months', 'payment_method']));
    for (const name of drifted) {
      expect(
        await page.locator('table.features tr.drifted', { hasText: name }).textContent(),
      ).toContain('drifted');
    }
    const charts = page.locator('figure.feature-chart');
    expect(await charts.count()).toBe(features.length);
    for (let i = 0; i < features.length; i++) {
      expect(await charts.nth(i).locator('svg.chart').count()).toBe(1);
      // The shapes are inside the chart (a broken <svg> would leave them outside).
      expect(await charts.nth(i).locator('svg.chart rect.ref').count()).toBeGreaterThan(0);
      const box = await charts.nth(i).locator('svg.chart').boundingBox();
      expect(box?.height).toBeGreaterThan(80);
    }
    // The shifted feature's chart shows the current window above the reference's range.
    const tenure = page.locator('figure.feature-chart[data-feature="tenure_months"]');
    expect(await tenure.getAttribute('class')).toContain('drifted');
    expect(await tenure.locator('path.cur').count()).toBe(1);
    const payment = page.locator('figure.feature-chart[data-feature="payment_method"]');
    expect(await payment.locator('text.cat-label', { hasText: 'crypto_wallet' }).count()).toBe(1);
    expect(errors).toEqual([]);

    // Phone width: one column, nothing wider than the screen.
    await page.setViewportSize(PHONE);
    await page.screenshot({ path: path.join(OUT, 'drift-run-phone.png'), fullPage: false });
    // Evaluated in the page, where `document` exists (not in this file's Node types).
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth');
    expect(overflow).toBeLessThanOrEqual(PHONE.width);
    await page.close();
  });

  it("shows a degraded parity run's figures, diagnosis and worst rows", async () => {
    const { page, errors } = await open(`${t.url}/runs/${parityRun.id}`, 'parity-run.png');
    expect(await page.locator('h1 .badge').textContent()).toBe('degraded');
    const worst = page.locator('table.worst tbody tr');
    expect(await worst.count()).toBeGreaterThan(0);
    // Worst rows are the skewed ones (every tenth row of a skewed step).
    const first = await worst.first().locator('th').textContent();
    expect(Number(first?.split('-').at(-1)) % 10).toBe(0);
    expect(await page.locator('h2', { hasText: 'Diagnosis' }).count()).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("sets a performance run's estimated metrics and band beside the realised ones", async () => {
    // The last step's outcomes arrive; the reference (with labels) calibrates the estimate.
    const outcomes = demoRows(600, 505, DRIFT).map((row, i) => ({
      model: MODEL,
      request_id: `ui-5-${i}`,
      label: row.churned,
    }));
    expect((await call(t.url, '/v1/labels', { body: outcomes })).status).toBe(200);
    const response = await call<{ runs: RunView[] }>(
      t.url,
      `/v1/models/${MODEL}/checks/performance/run?version=1&window=15m`,
      { method: 'POST' },
    );
    expect(response.status).toBe(200);
    const performanceRun = response.body.runs[0]!;
    expect(performanceRun.summary.decidedBy).toBe('labels');
    const { page, errors } = await open(
      `${t.url}/runs/${performanceRun.id}`,
      'performance-run.png',
    );
    expect(await page.locator('h2', { hasText: 'Estimated performance' }).count()).toBe(1);
    const auc = page.locator('tr', { has: page.locator('th', { hasText: 'ROC AUC' }) });
    const cells = await auc.locator('td').allTextContents();
    // Estimated, band, realised: numbers, the band a range, the realised value present.
    expect(Number(cells[0])).toBeGreaterThan(0.5);
    expect(cells[1]).toMatch(/^0\.\d+ – 0\.\d+$/);
    expect(Number(cells[2])).toBeGreaterThan(0.5);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('writes the same run page as one standalone file with driftwatch report', async () => {
    const file = path.join(OUT, 'report.html');
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', 'report', String(driftRun.id), '-o', file, '--url', t.url],
      { timeout: 60_000 },
    );
    expect(stdout).toContain(`drift run ${driftRun.id}`);
    const text = await readFile(file, 'utf8');
    expect(text).toContain('http-equiv="Content-Security-Policy"');
    expect(text).not.toContain('<script');
    expect(text).not.toContain('/ui/style.css');
    const { page, errors } = await open(`file://${file}`, 'report.png');
    expect(await page.locator('figure.feature-chart svg.chart').count()).toBe(
      await page.locator('table.features tbody tr').count(),
    );
    // The inlined stylesheet applies (allowed by its hash): drifted rows get their colour.
    const background = await page
      .locator('table.features tr.drifted')
      .first()
      .evaluate(
        (row) =>
          (
            globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }
          ).getComputedStyle(row).backgroundColor,
      );
    expect(background).toBe('rgb(253, 229, 229)');
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('web UI with tokens', () => {
  const TOKEN = 'ui-test-admin-token-0123456789';
  let t: TestService;
  let browser: Browser;

  beforeAll(async () => {
    t = await startTestService({ env: { DRIFTWATCH_ADMIN_TOKENS: TOKEN } });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('asks for a token once, keeps an HttpOnly SameSite=Strict session, and signs out', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${t.url}/runs/1`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.screenshot({ path: path.join(OUT, 'login.png') });

    await page.getByLabel('Access token').fill('not-the-token-at-all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('not valid');
    expect(await context.cookies()).toEqual([]);

    await page.getByLabel('Access token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Back where the browser was going: run 1 does not exist, said as a page.
    expect(new URL(page.url()).pathname).toBe('/runs/1');
    expect(await page.locator('h1').textContent()).toBe('Not found');
    const [cookie, ...others] = await context.cookies();
    expect(others).toEqual([]);
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe('Strict');
    expect(cookie?.value).not.toContain(TOKEN);

    await page.goto(`${t.url}/`);
    expect(await page.locator('h1').textContent()).toBe('Models');
    // The cookie opens pages, not the API.
    const api = await page.request.get(`${t.url}/v1/models`);
    expect(api.status()).toBe(401);

    await page.getByRole('button', { name: 'Sign out' }).click();
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.goto(`${t.url}/`);
    expect(new URL(page.url()).pathname).toBe('/login');
    // The only failed loads are the answers meant to fail: the refused
    // token (401) and the page of a run that does not exist (404).
    expect(errors).toEqual([
      'Failed to load resource: the server responded with a status of 401 (Unauthorized)',
      'Failed to load resource: the server responded with a status of 404 (Not Found)',
    ]);
    await context.close();
  });

  it('refuses a forged or altered session cookie', async () => {
    const context = await browser.newContext();
    await context.addCookies([
      {
        name: 'driftwatch_session',
        value: `${Buffer.from('admin').toString('base64url')}.99999999999.${'A'.repeat(43)}`,
        url: t.url,
      },
    ]);
    const page = await context.newPage();
    await page.goto(`${t.url}/`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await context.close();
  });
});
