import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { modelCheckSettings, modelSettings } from '../../../src/config/schema.js';
import { ConfigError } from '../../../src/core/errors.js';

const TOKEN_A = 'ingest-token-aaaaaaaa';
const TOKEN_B = 'ingest-token-bbbbbbbb';
const TOKEN_ADMIN = 'admin-token-cccccccccc';

let dir: string;
let fileCount = 0;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'dw-config-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes `yaml` to a fresh file in the temp folder and returns its path. */
function yamlFile(yaml: string): string {
  fileCount += 1;
  const file = path.join(dir, `config-${fileCount}.yaml`);
  writeFileSync(file, yaml);
  return file;
}

/** The problems of the ConfigError that `load` throws; fails the test if it does not throw one. */
function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const configError = error as ConfigError;
    expect(configError.code).toBe('config_invalid');
    return configError.problems;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

describe('loadConfig', () => {
  describe('without a config file', () => {
    const originalCwd = process.cwd();
    let emptyDir: string;

    beforeAll(() => {
      emptyDir = mkdtempSync(path.join(tmpdir(), 'dw-config-empty-'));
    });
    afterEach(() => {
      process.chdir(originalCwd);
    });
    afterAll(() => {
      rmSync(emptyDir, { recursive: true, force: true });
    });

    it('uses the built-in defaults when no driftwatch.yaml is in the working folder', () => {
      process.chdir(emptyDir);
      const config = loadConfig({ env: {} });
      expect(config).toEqual({
        server: { host: '127.0.0.1', port: 8080 },
        database: {
          poolSize: 10,
          jobsPoolSize: 4,
          timeouts: {
            requests: {
              connectMs: 5_000,
              statementMs: 8_000,
              queryMs: 9_000,
              idleInTransactionMs: 60_000,
            },
            jobs: {
              connectMs: 60_000,
              statementMs: 600_000,
              queryMs: 660_000,
              idleInTransactionMs: 600_000,
            },
          },
          dataDir: '.driftwatch/pg',
          embeddedPort: 0,
          partitionsAheadDays: 3,
        },
        auth: { tokens: [] },
        ingest: {
          maxBodyBytes: 32 * 1024 * 1024,
          referenceMaxBodyBytes: 1024 * 1024 * 1024,
          maxFutureSeconds: 3600,
          maxAgeDays: 90,
          maxRejectionsListed: 100,
          limits: { name: 128, requestId: 256, status: 64, prediction: 256, category: 1024 },
        },
        models: { directory: 'models', defaults: {}, settings: {} },
        scoring: { intraOpThreads: 1, batchSize: 4096 },
        storage: {
          raw: {
            keepAllBelowPerSecond: 2000,
            minSampleFraction: 1 / 1024,
            rateWindowMinutes: 5,
            cacheSeconds: 10,
            recomputeSeconds: 60,
          },
        },
        scheduler: { enabled: true },
        retention: {
          predictionsDays: 90,
          summariesDays: 400,
          batchKeysDays: 7,
          schedule: '23 * * * *',
          compactionSchedule: '* * * * *',
        },
        logging: { level: 'info', format: 'auto' },
        logs: { files: [], pollIntervalMs: 1000, batchRecords: 1000 },
        intake: { pendingSeconds: 600, expirySchedule: '* * * * *', kserve: [] },
        webhooks: {
          targets: [],
          consecutiveDriftRuns: 2,
          timeoutMs: 10_000,
          maxAgeHours: 24,
          pollIntervalMs: 2_000,
          initialBackoffMs: 5_000,
          maxBackoffMs: 600_000,
          batchSize: 20,
          dispatch: true,
        },
      });
      expect(modelSettings(config, 'any-model').unknownFeatures).toBe('reject');
      const checks = modelCheckSettings(config, 'any-model');
      expect(checks.drift).toMatchObject({
        enabled: true,
        schedule: '*/5 * * * *',
        windowSeconds: 3600,
        exactLimit: 200_000,
        features: null,
      });
      expect(checks.drift.policy).toEqual({
        minSamples: 100,
        alpha: 0.05,
        correction: 'bh',
        minEffectSize: { ks: 0.1, jensenShannon: 0.05 },
        datasetDriftShare: 0.5,
      });
      expect(checks.performance).toEqual({
        enabled: true,
        schedule: '*/15 * * * *',
        windowSeconds: 86_400,
        minLabels: 100,
        floors: { auc: 0.85 },
        estimate: { enabled: true, bandSigmas: 2, minRows: 100, maxRows: 1_000_000 },
      });
    });

    it('reads driftwatch.yaml from the working folder when no file is named', () => {
      process.chdir(emptyDir);
      writeFileSync(path.join(emptyDir, 'driftwatch.yaml'), 'server:\n  port: 9191\n');
      try {
        expect(loadConfig({ env: {} }).server.port).toBe(9191);
      } finally {
        rmSync(path.join(emptyDir, 'driftwatch.yaml'));
      }
    });

    it('reads the file named by DRIFTWATCH_CONFIG', () => {
      const file = yamlFile('server:\n  port: 9292\n');
      expect(loadConfig({ env: { DRIFTWATCH_CONFIG: file } }).server.port).toBe(9292);
    });
  });

  it('loads the committed example driftwatch.yaml cleanly', () => {
    const config = loadConfig({ file: 'driftwatch.yaml', env: {} });
    expect(config.server).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(config.auth).toEqual({ tokens: [] });
    expect(config.models.defaults.unknownFeatures).toBe('reject');
  });

  it('treats an empty file as all defaults', () => {
    const config = loadConfig({ file: yamlFile(''), env: {} });
    expect(config.server.port).toBe(8080);
    expect(config.logging.level).toBe('info');
  });

  it('applies the values of the YAML file', () => {
    const file = yamlFile(`
server:
  host: localhost
  port: 9000
  publicUrl: https://driftwatch.example.com
database:
  url: postgres://db.example:5432/dw
  poolSize: 20
ingest:
  maxAgeDays: 30
  maxFutureSeconds: 60
models:
  directory: /srv/models
  defaults:
    unknownFeatures: ignore
  settings:
    churn:
      unknownFeatures: reject
logging:
  level: debug
auth:
  tokens:
    - name: pods
      token: ${TOKEN_A}
      scopes: [ingest]
`);
    const config = loadConfig({ file, env: {} });
    expect(config.server).toEqual({
      host: 'localhost',
      port: 9000,
      publicUrl: 'https://driftwatch.example.com',
    });
    expect(config.database.url).toBe('postgres://db.example:5432/dw');
    expect(config.database.poolSize).toBe(20);
    expect(config.database.dataDir).toBe('.driftwatch/pg');
    expect(config.ingest.maxAgeDays).toBe(30);
    expect(config.ingest.maxFutureSeconds).toBe(60);
    expect(config.ingest.maxBodyBytes).toBe(32 * 1024 * 1024);
    expect(config.models.directory).toBe('/srv/models');
    expect(modelSettings(config, 'churn').unknownFeatures).toBe('reject');
    expect(modelSettings(config, 'other').unknownFeatures).toBe('ignore');
    expect(config.logging.level).toBe('debug');
    expect(config.auth).toEqual({
      tokens: [{ name: 'pods', token: TOKEN_A, scopes: ['ingest'] }],
    });
  });

  it('lets the environment override the file', () => {
    const file = yamlFile(`
server:
  host: 127.0.0.1
  port: 9000
database:
  url: postgres://from-file/dw
  dataDir: /from/file
`);
    const config = loadConfig({
      file,
      env: {
        DATABASE_URL: 'postgres://from-env/dw',
        DRIFTWATCH_PORT: '9100',
        DRIFTWATCH_HOST: 'localhost',
        DRIFTWATCH_DATA_DIR: '/from/env',
      },
    });
    expect(config.database.url).toBe('postgres://from-env/dw');
    expect(config.server.port).toBe(9100);
    expect(config.server.host).toBe('localhost');
    expect(config.database.dataDir).toBe('/from/env');
  });

  it('lets command-line overrides win over the environment', () => {
    const config = loadConfig({
      file: yamlFile('server:\n  port: 9000\n'),
      env: { DRIFTWATCH_PORT: '9100' },
      overrides: { port: 9200, host: 'localhost', dataDir: '/from/cli' },
    });
    expect(config.server.port).toBe(9200);
    expect(config.server.host).toBe('localhost');
    expect(config.database.dataDir).toBe('/from/cli');
  });

  it('turns token variables into token entries with their scopes', () => {
    const config = loadConfig({
      file: yamlFile(''),
      env: {
        DRIFTWATCH_INGEST_TOKENS: ` ${TOKEN_A} ,${TOKEN_B},`,
        DRIFTWATCH_ADMIN_TOKENS: TOKEN_ADMIN,
      },
    });
    expect(config.auth).toEqual({
      tokens: [
        { name: 'env-ingest-1', token: TOKEN_A, scopes: ['ingest'] },
        { name: 'env-ingest-2', token: TOKEN_B, scopes: ['ingest'] },
        { name: 'env-admin-1', token: TOKEN_ADMIN, scopes: ['admin', 'ingest'] },
      ],
    });
  });

  it('adds environment tokens to the tokens of the file', () => {
    const file = yamlFile(`
auth:
  tokens:
    - name: from-file
      token: ${TOKEN_A}
      scopes: [admin]
`);
    const config = loadConfig({ file, env: { DRIFTWATCH_INGEST_TOKENS: TOKEN_B } });
    expect(config.auth).toEqual({
      tokens: [
        { name: 'from-file', token: TOKEN_A, scopes: ['admin'] },
        { name: 'env-ingest-1', token: TOKEN_B, scopes: ['ingest'] },
      ],
    });
  });

  it('resolves tokenEnv from the environment', () => {
    const file = yamlFile(`
auth:
  tokens:
    - name: pods
      tokenEnv: POD_TOKEN
      scopes: [ingest]
`);
    const config = loadConfig({ file, env: { POD_TOKEN: TOKEN_A } });
    expect(config.auth).toEqual({
      tokens: [{ name: 'pods', tokenEnv: 'POD_TOKEN', token: TOKEN_A, scopes: ['ingest'] }],
    });
  });

  it('names the key path of an unknown key at the top level', () => {
    const problems = problemsOf(() =>
      loadConfig({ file: yamlFile('serverr:\n  port: 1\n'), env: {} }),
    );
    expect(problems).toEqual(['(root): unknown key "serverr"']);
  });

  it('names the key path of an unknown nested key', () => {
    const problems = problemsOf(() =>
      loadConfig({ file: yamlFile('ingest:\n  maxBodyByte: 2048\n'), env: {} }),
    );
    expect(problems).toEqual(['ingest: unknown key "maxBodyByte"']);
  });

  it('names the key path of an unknown key inside a token entry', () => {
    const file = yamlFile(`
auth:
  tokens:
    - name: pods
      token: ${TOKEN_A}
      scopes: [ingest]
      secret: nope
`);
    expect(problemsOf(() => loadConfig({ file, env: {} }))).toEqual([
      'auth.tokens.0: unknown key "secret"',
    ]);
  });

  it('refuses a port that is not a number', () => {
    const problems = problemsOf(() =>
      loadConfig({ file: yamlFile('server:\n  port: abc\n'), env: {} }),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^server\.port: .*number/);
  });

  it('refuses a DRIFTWATCH_PORT that is not a whole number', () => {
    const problems = problemsOf(() =>
      loadConfig({ file: yamlFile(''), env: { DRIFTWATCH_PORT: 'abc' } }),
    );
    expect(problems).toEqual(['DRIFTWATCH_PORT: expected a whole number, got "abc"']);
  });

  it('refuses a port above 65535, from the file or the environment', () => {
    const fromFile = problemsOf(() =>
      loadConfig({ file: yamlFile('server:\n  port: 70000\n'), env: {} }),
    );
    expect(fromFile).toHaveLength(1);
    expect(fromFile[0]).toMatch(/^server\.port: .*65535/);

    const fromEnv = problemsOf(() =>
      loadConfig({ file: yamlFile(''), env: { DRIFTWATCH_PORT: '70000' } }),
    );
    expect(fromEnv).toHaveLength(1);
    expect(fromEnv[0]).toMatch(/^server\.port: .*65535/);
  });

  it('refuses a value outside an enum', () => {
    const problems = problemsOf(() =>
      loadConfig({ file: yamlFile('logging:\n  level: loud\n'), env: {} }),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^logging\.level: .*"info"/);
  });

  it('refuses an unknown per-model setting value', () => {
    const file = yamlFile('models:\n  settings:\n    churn:\n      unknownFeatures: drop\n');
    const problems = problemsOf(() => loadConfig({ file, env: {} }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^models\.settings\.churn\.unknownFeatures: /);
  });

  it('refuses a query limit that does not exceed the statement limit', () => {
    const file = yamlFile(`
database:
  timeouts:
    requests: { statementMs: 8000, queryMs: 8000 }
    jobs: { statementMs: 0, queryMs: 1000 }
`);
    expect(problemsOf(() => loadConfig({ file, env: {} }))).toEqual([
      'database.timeouts.requests.queryMs: must be greater than statementMs (8000)',
    ]);
  });

  it('lists every problem of a file at once', () => {
    const file = yamlFile(`
server:
  port: 70000
  hots: 127.0.0.1
database:
  poolSize: 1
logging:
  level: loud
bogus: true
`);
    const problems = problemsOf(() => loadConfig({ file, env: { DRIFTWATCH_AUTH: 'off' } }));
    expect(problems).toHaveLength(6);
    expect(problems).toEqual(
      expect.arrayContaining([
        'DRIFTWATCH_AUTH: the only accepted value is "none", got "off"',
        'server: unknown key "hots"',
        '(root): unknown key "bogus"',
        expect.stringMatching(/^server\.port: /),
        expect.stringMatching(/^database\.poolSize: /),
        expect.stringMatching(/^logging\.level: /),
      ]),
    );
  });

  it('refuses an explicit config file that does not exist', () => {
    const missing = path.join(dir, 'no-such-file.yaml');
    expect(problemsOf(() => loadConfig({ file: missing, env: {} }))).toEqual([
      `config file ${missing} does not exist`,
    ]);
  });

  it('reports a YAML syntax error with the file name', () => {
    const file = yamlFile('server:\n  port: [8080\n');
    const problems = problemsOf(() => loadConfig({ file, env: {} }));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.startsWith(`${file}: `)).toBe(true);
  });

  it('refuses a file whose top level is not a mapping', () => {
    const file = yamlFile('- a\n- b\n');
    expect(problemsOf(() => loadConfig({ file, env: {} }))).toEqual([
      `${file}: the top level must be a mapping`,
    ]);
  });

  describe('exposure', () => {
    it('refuses to bind 0.0.0.0 with no tokens', () => {
      const problems = problemsOf(() =>
        loadConfig({ file: yamlFile('server:\n  host: 0.0.0.0\n'), env: {} }),
      );
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^server\.host 0\.0\.0\.0 is not a loopback address/);
    });

    it('allows 0.0.0.0 with no tokens when the file says auth: none', () => {
      const config = loadConfig({
        file: yamlFile('server:\n  host: 0.0.0.0\nauth: none\n'),
        env: {},
      });
      expect(config.auth).toBe('none');
      expect(config.server.host).toBe('0.0.0.0');
    });

    it('allows 0.0.0.0 with no tokens when DRIFTWATCH_AUTH=none', () => {
      const config = loadConfig({
        file: yamlFile(''),
        env: { DRIFTWATCH_HOST: '0.0.0.0', DRIFTWATCH_AUTH: 'none' },
      });
      expect(config.auth).toBe('none');
    });

    it('allows 0.0.0.0 once a token is configured', () => {
      const config = loadConfig({
        file: yamlFile(''),
        env: { DRIFTWATCH_HOST: '0.0.0.0', DRIFTWATCH_INGEST_TOKENS: TOKEN_A },
      });
      expect(config.server.host).toBe('0.0.0.0');
    });

    it('refuses auth: none together with tokens in the environment', () => {
      const problems = problemsOf(() =>
        loadConfig({ file: yamlFile('auth: none\n'), env: { DRIFTWATCH_ADMIN_TOKENS: TOKEN_A } }),
      );
      expect(problems).toEqual([
        'auth: "none" in the file contradicts tokens given in the environment',
      ]);
    });
  });

  describe('token secrets', () => {
    it('refuses a tokenEnv that names an unset variable', () => {
      const file = yamlFile(`
auth:
  tokens:
    - name: pods
      tokenEnv: POD_TOKEN
      scopes: [ingest]
`);
      const problems = problemsOf(() => loadConfig({ file, env: {} }));
      expect(problems).toEqual([
        'auth.tokens.0.tokenEnv: environment variable POD_TOKEN is unset or shorter than 16 characters',
      ]);
    });

    it('refuses a token shorter than 16 characters in the file', () => {
      const file = yamlFile(`
auth:
  tokens:
    - name: pods
      token: fifteen-chars-x
      scopes: [ingest]
`);
      expect(problemsOf(() => loadConfig({ file, env: {} }))).toEqual([
        'auth.tokens.0.token: tokens must be at least 16 characters',
      ]);
    });

    it('accepts a token of exactly 16 characters', () => {
      const file = yamlFile(`
auth:
  tokens:
    - name: pods
      token: sixteen-chars-xx
      scopes: [ingest]
`);
      const config = loadConfig({ file, env: {} });
      expect(config.auth).toEqual({
        tokens: [{ name: 'pods', token: 'sixteen-chars-xx', scopes: ['ingest'] }],
      });
    });

    it('refuses a token shorter than 16 characters from the environment', () => {
      const problems = problemsOf(() =>
        loadConfig({ file: yamlFile(''), env: { DRIFTWATCH_INGEST_TOKENS: 'short' } }),
      );
      expect(problems).toEqual(['DRIFTWATCH_INGEST_TOKENS: token 1 is shorter than 16 characters']);
    });

    it('refuses a tokenEnv whose variable holds fewer than 16 characters', () => {
      const file = yamlFile(`
auth:
  tokens:
    - name: pods
      tokenEnv: POD_TOKEN
      scopes: [ingest]
`);
      const problems = problemsOf(() => loadConfig({ file, env: { POD_TOKEN: 'short' } }));
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^auth\.tokens\.0\.tokenEnv: .*POD_TOKEN/);
    });

    it('refuses a token entry with neither token nor tokenEnv, and one with both', () => {
      const file = yamlFile(`
auth:
  tokens:
    - name: neither
      scopes: [ingest]
    - name: both
      token: ${TOKEN_A}
      tokenEnv: POD_TOKEN
      scopes: [ingest]
`);
      const problems = problemsOf(() => loadConfig({ file, env: { POD_TOKEN: TOKEN_B } }));
      expect(problems).toEqual([
        'auth.tokens.0: needs "token" or "tokenEnv"',
        'auth.tokens.1: give "token" or "tokenEnv", not both',
      ]);
    });

    it('refuses a token entry with no scope', () => {
      const file = yamlFile(`
auth:
  tokens:
    - name: none
      token: ${TOKEN_A}
      scopes: []
`);
      const problems = problemsOf(() => loadConfig({ file, env: {} }));
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^auth\.tokens\.0\.scopes: /);
    });

    it('refuses a token entry with an unknown scope', () => {
      const file = yamlFile(`
auth:
  tokens:
    - name: bad
      token: ${TOKEN_B}
      scopes: [root]
`);
      const problems = problemsOf(() => loadConfig({ file, env: {} }));
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^auth\.tokens\.0\.scopes\.0: /);
    });

    it('says which forms auth accepts when it is neither none nor a mapping', () => {
      const problems = problemsOf(() => loadConfig({ file: yamlFile('auth: nonee\n'), env: {} }));
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^auth: matches none of the accepted forms/);
      expect(problems[0]).toContain('none');
    });

    it('lists an unset tokenEnv together with schema problems', () => {
      const file = yamlFile(`
server:
  port: eighty
auth:
  tokens:
    - name: pods
      tokenEnv: UNSET_TOKEN_VARIABLE
      scopes: [ingest]
`);
      const problems = problemsOf(() => loadConfig({ file, env: {} }));
      expect(problems.some((p) => p.startsWith('server.port'))).toBe(true);
      expect(problems.some((p) => p.includes('UNSET_TOKEN_VARIABLE'))).toBe(true);
    });
  });

  it('does not take a host name that starts with 127. for loopback', () => {
    const problems = problemsOf(() =>
      loadConfig({ file: yamlFile('server:\n  host: 127.example.com\n'), env: {} }),
    );
    expect(problems).toEqual([expect.stringContaining('not a loopback address')]);
  });
});

describe('check settings', () => {
  it('merges per-model check settings over the defaults over built-in values', () => {
    const file = yamlFile(`
models:
  defaults:
    checks:
      drift: { window: 30m, alpha: 0.01, minEffectSize: { ks: 0.2 } }
  settings:
    churn:
      checks:
        drift: { schedule: '0 * * * *', minEffectSize: { jensenShannon: 0.1 }, features: [a, b] }
        performance: { floors: { recall: 0.5 } }
`);
    const config = loadConfig({ file, env: {} });
    const churn = modelCheckSettings(config, 'churn');
    expect(churn.drift.schedule).toBe('0 * * * *');
    expect(churn.drift.windowSeconds).toBe(1800);
    expect(churn.drift.policy.alpha).toBe(0.01);
    expect(churn.drift.policy.minEffectSize).toEqual({ ks: 0.2, jensenShannon: 0.1 });
    expect(churn.drift.features).toEqual(['a', 'b']);
    // A per-model floors object replaces the default one.
    expect(churn.performance.floors).toEqual({ recall: 0.5 });
    const other = modelCheckSettings(config, 'other');
    expect(other.drift.schedule).toBe('*/5 * * * *');
    expect(other.drift.features).toBeNull();
  });

  it('lists bad check settings with their paths', () => {
    const file = yamlFile(`
models:
  defaults:
    checks:
      drift: { schedule: 'every minute', window: 1 hour, alpha: 2, correction: holm }
      perf: {}
`);
    const problems = problemsOf(() => loadConfig({ file, env: {} }));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^models\.defaults\.checks\.drift\.schedule: not a valid cron/),
        expect.stringMatching(/^models\.defaults\.checks\.drift\.window: a duration/),
        expect.stringMatching(/^models\.defaults\.checks\.drift\.alpha/),
        expect.stringMatching(/^models\.defaults\.checks\.drift\.correction/),
        expect.stringMatching(/^models\.defaults\.checks: unknown key "perf"/),
      ]),
    );
  });

  it('refuses a record age limit longer than the retention', () => {
    const file = yamlFile('ingest:\n  maxAgeDays: 100\nretention:\n  predictionsDays: 30\n');
    expect(problemsOf(() => loadConfig({ file, env: {} }))).toEqual([
      expect.stringContaining(
        'ingest.maxAgeDays (100) is longer than retention.predictionsDays (30)',
      ),
    ]);
  });
});

describe('storage.raw', () => {
  it('takes a fixed fraction and the keep-all rate from the environment', () => {
    const config = loadConfig({
      file: yamlFile('{}\n'),
      env: {
        DRIFTWATCH_RAW_FIXED_FRACTION: '0.125',
        DRIFTWATCH_RAW_KEEP_ALL_BELOW_PER_SECOND: '500',
      },
    });
    expect(config.storage.raw.fixedFraction).toBe(0.125);
    expect(config.storage.raw.keepAllBelowPerSecond).toBe(500);
  });

  it('refuses fractions that are not powers of two, and caches longer than 10 s', () => {
    const file = yamlFile(
      'storage:\n  raw:\n    minSampleFraction: 0.001\n    fixedFraction: 0.3\n    cacheSeconds: 30\n',
    );
    const problems = problemsOf(() => loadConfig({ file, env: {} }));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^storage\.raw\.minSampleFraction: a power of two/),
        expect.stringMatching(/^storage\.raw\.fixedFraction: a power of two/),
        expect.stringMatching(/^storage\.raw\.cacheSeconds/),
      ]),
    );
    expect(
      problemsOf(() =>
        loadConfig({ file: yamlFile('{}\n'), env: { DRIFTWATCH_RAW_FIXED_FRACTION: 'half' } }),
      ),
    ).toEqual(expect.arrayContaining([expect.stringMatching(/^DRIFTWATCH_RAW_FIXED_FRACTION/)]));
  });
});

describe('segments', () => {
  it("resolves a model's segments over the defaults, top 10 by default", () => {
    const file = yamlFile(
      [
        'models:',
        '  defaults:',
        '    segments: [{ by: "tag:pod" }]',
        '  settings:',
        '    churn:',
        '      segments: [{ by: plan, top: 3 }, { by: "tag:country", top: 50 }]',
        '',
      ].join('\n'),
    );
    const config = loadConfig({ file, env: {} });
    expect(modelCheckSettings(config, 'churn').segments).toEqual([
      { by: 'plan', top: 3 },
      { by: 'tag:country', top: 50 },
    ]);
    expect(modelCheckSettings(config, 'other').segments).toEqual([{ by: 'tag:pod', top: 10 }]);
    expect(modelCheckSettings(loadConfig({ file: yamlFile(''), env: {} }), 'x').segments).toEqual(
      [],
    );
  });

  it('refuses a bad tag key, a top out of 1..50 and a repeated by', () => {
    const problems = problemsOf(() =>
      loadConfig({
        file: yamlFile(
          [
            'models:',
            '  settings:',
            '    a:',
            '      segments: [{ by: "tag:1pod" }]',
            '    b:',
            '      segments: [{ by: plan, top: 51 }]',
            '    c:',
            '      segments: [{ by: plan }, { by: plan, top: 2 }]',
            '',
          ].join('\n'),
        ),
        env: {},
      }),
    );
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(
      /models\.settings\.a\.segments\.0\.by: a tag segment is tag:<key>/,
    );
    expect(problems.join('\n')).toMatch(/models\.settings\.b\.segments\.0\.top/);
    expect(problems.join('\n')).toMatch(/models\.settings\.c\.segments: each `by` may appear once/);
  });
});
