import { describe, expect, it } from 'vitest';
import type { RunView } from '../../../../src/core/run.js';
import { buildCategoricalProfile, buildNumericProfile } from '../../../../src/drift/index.js';
import { categoricalSnapshot, numericSnapshot } from '../../../../src/drift/index.js';
import { escapeHtml, html } from '../../../../src/http/ui/html.js';
import { renderIndexPage } from '../../../../src/http/ui/indexPage.js';
import { SERVED } from '../../../../src/http/ui/layout.js';
import { renderRunPage } from '../../../../src/http/ui/runPage.js';
import { renderVersionPage } from '../../../../src/http/ui/versionPage.js';

const HOSTILE = '<script>alert(1)</script>';
const HOSTILE_FEATURE = '"><img src=x onerror=alert(2)>';
const HOSTILE_CATEGORY = "</text><script>alert(3)</script>'";

function result(feature: string, test: string, drifted: boolean) {
  return {
    feature,
    test,
    status: drifted ? 'drift' : 'ok',
    statistic: 0.4,
    p_value: 1e-9,
    adjusted_p_value: 1e-8,
    effect_size: 0.4,
    drifted,
    n_reference: 100,
    n_current: 100,
    missing_current: 0,
    segment: null as string | null,
  };
}

function driftRun(): RunView {
  return {
    id: 7,
    model: HOSTILE,
    model_version: HOSTILE,
    kind: 'drift',
    trigger: 'manual',
    status: 'drift',
    window: { start: '2026-01-02T10:00:00.000Z', end: '2026-01-02T11:00:00.000Z' },
    path: 'exact',
    rows: 100,
    started_at: '2026-01-02T11:00:00.000Z',
    finished_at: '2026-01-02T11:00:01.000Z',
    duration_ms: 1000,
    error: null,
    summary: {
      dataset: { share: 0.5, drifted: true, driftedFeatures: 1, testedFeatures: 2, threshold: 0.5 },
      distributions: [
        numericSnapshot(buildNumericProfile(HOSTILE_FEATURE, [1, 2, 3, 4]), (x) =>
          x >= 3 ? 1 : 0,
        ),
        categoricalSnapshot(
          buildCategoricalProfile('plan', ['a', HOSTILE_CATEGORY]),
          new Map([[HOSTILE_CATEGORY, 2]]),
        ),
      ],
    },
    results: [
      result(HOSTILE_FEATURE, 'ks', true),
      result(HOSTILE_FEATURE, 'psi', true),
      result('plan', 'chi_square', false),
    ],
    links: { self: '/v1/runs/7', page: '/runs/7' },
  };
}

describe('html', () => {
  it('escapes interpolated text and keeps nested html', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
    );
    const inner = html`<b>${HOSTILE}</b>`;
    expect(html`<p>${inner}${[1, null, false, 'x']}</p>`.text).toBe(
      '<p><b>&lt;script&gt;alert(1)&lt;/script&gt;</b>1x</p>',
    );
  });
});

describe('run page', () => {
  it('renders hostile model, feature and category names as inert text', () => {
    const page = renderRunPage(SERVED, driftRun());
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/<img/i);
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
    // The SVG's category label escapes too.
    expect(page).toContain('&#60;/text&#62;&#60;script&#62;alert(3)&#60;/script&#62;&#39;');
    // The link to the version page encodes the names.
    expect(page).toContain(
      `href="/models/${encodeURIComponent(HOSTILE)}/versions/${encodeURIComponent(HOSTILE)}"`,
    );
  });

  it('shows a segments table and the segment rows, hostile segment values escaped', () => {
    const run = driftRun();
    const segment = `tag:pod=${HOSTILE_CATEGORY}`;
    run.summary = {
      ...run.summary,
      policy: { correction: 'bh' },
      segmentFamilySize: 10,
      segmentRows: 'all',
      segments: [
        {
          by: 'tag:pod',
          value: HOSTILE_CATEGORY,
          segment,
          rows: 300,
          reference: 'whole',
          status: 'drift',
          driftedFeatures: [HOSTILE_FEATURE],
        },
        {
          by: 'tag:pod',
          value: '__other__',
          segment: 'tag:pod=__other__',
          rows: 50,
          reference: 'slice',
          status: 'insufficient_data',
          driftedFeatures: [],
        },
      ],
    };
    run.results = [...run.results!, { ...result(HOSTILE_FEATURE, 'ks', true), segment }];
    const page = renderRunPage(SERVED, run);
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/<img/i);
    const table = /<table class="segments">[\s\S]*?<\/table>/.exec(page)![0];
    expect(table.match(/<tr class="drifted">/g)).toHaveLength(1);
    expect(table).toContain('&lt;/text&gt;&lt;script&gt;alert(3)&lt;/script&gt;&#39;');
    expect(table).toContain('insufficient data');
    // What each segment was compared with.
    expect(table).toContain('<th scope="col">Reference</th>');
    expect(table).toContain('<td>whole</td>');
    expect(table).toContain('<td>same value</td>');
    expect(page).toContain('all 10 (feature, segment) tests');
    // The features table keeps to the whole window: the segment's ks row is not a second feature row.
    const features = /<table class="features">[\s\S]*?<\/table>/.exec(page)![0];
    expect(features.match(/<tr class="drifted">/g)).toHaveLength(1);
    // All rows: a Segment column, the segment row named.
    expect(page).toContain('<th scope="col">Segment</th>');
    expect(page).toContain('<td>whole window</td>');
  });

  it('marks drifted rows, draws one chart per feature, and inlines nothing', () => {
    const page = renderRunPage(SERVED, driftRun());
    const features = /<table class="features">[\s\S]*?<\/table>/.exec(page)![0];
    expect(features.match(/<tr class="drifted">/g)).toHaveLength(1);
    expect(page.match(/class="card feature-chart/g)).toHaveLength(2);
    expect(page.match(/<svg/g)).toHaveLength(2);
    expect(page).not.toMatch(/style=/);
    expect(page).toContain('href="/ui/style.css"');
  });

  it('renders the same run to the same page, each chart labelled by its own ids', () => {
    const page = renderRunPage(SERVED, driftRun());
    expect(renderRunPage(SERVED, driftRun())).toBe(page);
    const ids = [...page.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const m of page.matchAll(/aria-labelledby="([^"]+)"/g)) {
      for (const id of m[1]!.split(' ')) expect(ids).toContain(id);
    }
  });

  it('says the picture is not available for a run without snapshots', () => {
    const run = driftRun();
    delete run.summary.distributions;
    const page = renderRunPage(SERVED, run);
    expect(page).toContain('The picture is not available');
    expect(page).not.toMatch(/<svg/);
  });

  it('leaves out a malformed snapshot instead of drawing it', () => {
    const run = driftRun();
    run.summary.distributions = [{ kind: 'numeric', feature: 'plan', edges: [0], reference: [1] }];
    const page = renderRunPage(SERVED, run);
    expect(page).not.toMatch(/<svg/);
    expect(page).toContain('No picture stored for this feature');
  });

  it("shows a degraded parity run's skew attribution with the factor and the search budget", () => {
    const run: RunView = {
      ...driftRun(),
      kind: 'parity',
      status: 'degraded',
      path: null,
      summary: {
        mismatches: 412,
        rowsChecked: 4000,
        mismatchRatio: 0.103,
        maxMismatchRatio: 0.01,
        worst: [],
        diagnosis: {
          reproducedBy: [],
          message:
            'no registered version reproduces the mismatching scores; monthly_charges looks served ×10 (reproduces 97 % of 200 sampled of 412 mismatching rows)',
          attribution: {
            hypothesis: 'scaled',
            features: ['monthly_charges'],
            factor: 10,
            recognisedFactor: '×10',
            share: 0.97,
            sampleRows: 200,
            mismatchingRows: 412,
            hypothesesTried: 31,
            elapsedMs: 12,
            budgetExhausted: false,
          },
        },
      },
      results: [],
    };
    const page = renderRunPage(SERVED, run);
    expect(page).toContain('monthly_charges looks served ×10');
    const facts = /<dl class="facts attribution">[\s\S]*?<\/dl>/.exec(page)![0];
    expect(facts).toContain('monthly_charges: scaled');
    expect(facts).toMatch(/×10\s*— recognised as ×10/);
    expect(facts).toMatch(/97(\.0)?\s*%/);
    expect(facts).not.toContain('budget spent');
    const spent = renderRunPage(SERVED, {
      ...run,
      summary: {
        ...run.summary,
        diagnosis: {
          message: 'no registered version reproduces the mismatching scores',
          attribution: {
            hypothesis: null,
            features: [],
            share: 0.2,
            sampleRows: 10000,
            mismatchingRows: 10000,
            hypothesesTried: 3,
            elapsedMs: 2030,
            budgetExhausted: true,
          },
        },
      },
    });
    expect(spent).toContain('no hypothesis reproduces the mismatches');
    expect(spent).toContain('stopped: time budget spent');
  });

  it('inlines the stylesheet under a hash-pinned policy in standalone mode', () => {
    const page = renderRunPage(
      { linkBase: 'http://127.0.0.1:8080', standalone: true, signedIn: false },
      driftRun(),
    );
    expect(page).toMatch(/http-equiv="Content-Security-Policy"[\s\S]*style-src 'sha256-/);
    expect(page).not.toContain('/ui/style.css');
    expect(page).toContain('href="http://127.0.0.1:8080/"');
  });
});

describe('index and version pages', () => {
  it('escape hostile names', () => {
    const run = driftRun();
    const index = renderIndexPage(SERVED, [
      { model: HOSTILE, version: HOSTILE, task: HOSTILE, latest: { drift: run } },
    ]);
    const version = renderVersionPage(SERVED, {
      model: HOSTILE,
      version: HOSTILE,
      task: HOSTILE,
      features: 2,
      createdAt: '2026-01-01T00:00:00.000Z',
      referenceRows: 10,
      runs: [run],
    });
    for (const page of [index, version]) {
      expect(page).not.toMatch(/<script/i);
      expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    }
    expect(index).toContain('<tr class="drifted">');
  });
});
