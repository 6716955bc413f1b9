/** The `webhooks` configuration section through the loader: strict, http(s) only, secrets from env. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/core/errors.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dw-webhooks-config-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function load(yaml: string, env: Record<string, string> = {}) {
  const file = path.join(dir, `${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, yaml);
  return loadConfig({ file, env });
}

async function problems(yaml: string, env: Record<string, string> = {}): Promise<string[]> {
  try {
    await load(yaml, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('the configuration was accepted');
}

const SECRET_ENV = { HOOK_SECRET: 'a-secret-of-enough-length' };

describe('webhooks configuration', () => {
  it('has defaults and no targets when absent', async () => {
    const config = await load('server: { host: 127.0.0.1 }\n');
    expect(config.webhooks).toMatchObject({
      targets: [],
      consecutiveDriftRuns: 2,
      timeoutMs: 10_000,
      maxAgeHours: 24,
      dispatch: true,
    });
  });

  it('resolves the secret from the named environment variable', async () => {
    const config = await load(
      [
        'webhooks:',
        '  targets:',
        '    - { name: ci, url: "https://ci.example.com/hook", events: [dataset_drift], secretEnv: HOOK_SECRET }',
      ].join('\n'),
      SECRET_ENV,
    );
    expect(config.webhooks.targets[0]).toMatchObject({
      name: 'ci',
      secret: SECRET_ENV.HOOK_SECRET,
      headers: {},
    });
  });

  it('lists every problem: scheme, credentials, event, unset secret, inline secret, reserved header, unknown key', async () => {
    const found = await problems(
      [
        'webhooks:',
        '  consecutiveDrift: 3',
        '  targets:',
        '    - { name: a, url: "ftp://files.example.com/x", events: [dataset_drift], secretEnv: HOOK_SECRET }',
        '    - { name: b, url: "https://user:pw@ci.example.com/", events: [dataset_drift], secretEnv: HOOK_SECRET }',
        '    - { name: c, url: "https://ci.example.com/", events: [retrain_now], secretEnv: MISSING_SECRET }',
        '    - { name: d, url: "https://ci.example.com/", events: [check_failed], secretEnv: HOOK_SECRET, secret: inline-secret-123456 }',
        '    - { name: e, url: "https://ci.example.com/", events: [check_failed], secretEnv: HOOK_SECRET, headers: { X-Driftwatch-Signature: forged } }',
      ].join('\n'),
      SECRET_ENV,
    );
    const text = found.join('\n');
    expect(text).toMatch(/webhooks\.targets\.0\.url: an http:\/\/ or https:\/\/ URL/);
    expect(text).toMatch(/webhooks\.targets\.1\.url: credentials in the URL/);
    expect(text).toMatch(/webhooks\.targets\.2\.events\.0/);
    expect(text).toMatch(
      /webhooks\.targets\.2\.secretEnv: environment variable MISSING_SECRET is unset/,
    );
    expect(text).toMatch(/webhooks\.targets\.3: put the secret in an environment variable/);
    expect(text).toMatch(/webhooks\.targets\.4\.headers: these headers are set by driftwatch/);
    expect(text).toMatch(/webhooks: unknown key "consecutiveDrift"/);
  });

  it('refuses duplicate target names', async () => {
    const found = await problems(
      [
        'webhooks:',
        '  targets:',
        '    - { name: ci, url: "http://ci/a", events: [check_failed], secretEnv: HOOK_SECRET }',
        '    - { name: ci, url: "http://ci/b", events: [check_failed], secretEnv: HOOK_SECRET }',
      ].join('\n'),
      SECRET_ENV,
    );
    expect(found.join('\n')).toMatch(/target names must be unique/);
  });
});
