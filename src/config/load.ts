/**
 * Loads the configuration: YAML file, then environment overrides, then the
 * strict schema. Every problem (YAML syntax, bad env value, schema issue) is
 * collected and thrown at once as a ConfigError so that start-up lists them all.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { describeIssue, issueWhere } from '../core/schemaIssues.js';
import { configSchema, type Config } from './schema.js';
import { resolveWebhookSecrets } from './webhooksSchema.js';

export interface LoadOptions {
  /** Explicit config file: must exist. Without it `driftwatch.yaml` is used when present. */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Command-line values, applied over env and file. */
  overrides?: { port?: number; host?: string; dataDir?: string; logFormat?: string };
}

export const DEFAULT_CONFIG_FILE = 'driftwatch.yaml';

type Json = Record<string, unknown>;

function section(root: Json, key: string): Json {
  const current = root[key];
  if (current && typeof current === 'object' && !Array.isArray(current)) return current as Json;
  const created: Json = {};
  root[key] = created;
  return created;
}

function rawSection(root: Json): Json {
  return section(section(root, 'storage'), 'raw');
}

function parseIntEnv(name: string, value: string, problems: string[]): number | undefined {
  if (!/^\d+$/.test(value.trim())) {
    problems.push(`${name}: expected a whole number, got "${value}"`);
    return undefined;
  }
  return Number(value.trim());
}

/** Comma-separated tokens of an environment variable; short ones are reported by the variable's name. */
function tokensFromEnv(name: string, env: NodeJS.ProcessEnv, problems: string[]): string[] {
  const tokens = (env[name] ?? '')
    .split(',')
    .map((token) => token.trim())
    .filter((token) => token.length > 0);
  tokens.forEach((token, i) => {
    if (token.length < 16) problems.push(`${name}: token ${i + 1} is shorter than 16 characters`);
  });
  return tokens.filter((token) => token.length >= 16);
}

/** Applies DATABASE_URL and DRIFTWATCH_* variables onto the raw file object. */
function applyEnv(raw: Json, env: NodeJS.ProcessEnv, problems: string[]): void {
  if (env.DATABASE_URL) section(raw, 'database').url = env.DATABASE_URL;
  if (env.DRIFTWATCH_DATA_DIR) section(raw, 'database').dataDir = env.DRIFTWATCH_DATA_DIR;
  if (env.DRIFTWATCH_HOST) section(raw, 'server').host = env.DRIFTWATCH_HOST;
  if (env.DRIFTWATCH_PORT) {
    const port = parseIntEnv('DRIFTWATCH_PORT', env.DRIFTWATCH_PORT, problems);
    if (port !== undefined) section(raw, 'server').port = port;
  }
  if (env.DRIFTWATCH_PUBLIC_URL) section(raw, 'server').publicUrl = env.DRIFTWATCH_PUBLIC_URL;
  if (env.DRIFTWATCH_MODELS_DIR) section(raw, 'models').directory = env.DRIFTWATCH_MODELS_DIR;
  if (env.DRIFTWATCH_LOG_LEVEL) section(raw, 'logging').level = env.DRIFTWATCH_LOG_LEVEL;
  if (env.DRIFTWATCH_LOG_FORMAT) section(raw, 'logging').format = env.DRIFTWATCH_LOG_FORMAT;
  if (env.DRIFTWATCH_MAX_BODY_BYTES) {
    const bytes = parseIntEnv('DRIFTWATCH_MAX_BODY_BYTES', env.DRIFTWATCH_MAX_BODY_BYTES, problems);
    if (bytes !== undefined) section(raw, 'ingest').maxBodyBytes = bytes;
  }

  if (env.DRIFTWATCH_RAW_FIXED_FRACTION) {
    const fraction = Number(env.DRIFTWATCH_RAW_FIXED_FRACTION.trim());
    if (Number.isFinite(fraction)) rawSection(raw).fixedFraction = fraction;
    else
      problems.push(
        `DRIFTWATCH_RAW_FIXED_FRACTION: expected a number, got "${env.DRIFTWATCH_RAW_FIXED_FRACTION}"`,
      );
  }
  if (env.DRIFTWATCH_RAW_KEEP_ALL_BELOW_PER_SECOND) {
    const rate = parseIntEnv(
      'DRIFTWATCH_RAW_KEEP_ALL_BELOW_PER_SECOND',
      env.DRIFTWATCH_RAW_KEEP_ALL_BELOW_PER_SECOND,
      problems,
    );
    if (rate !== undefined) rawSection(raw).keepAllBelowPerSecond = rate;
  }

  const ingestTokens = tokensFromEnv('DRIFTWATCH_INGEST_TOKENS', env, problems);
  const adminTokens = tokensFromEnv('DRIFTWATCH_ADMIN_TOKENS', env, problems);
  if (env.DRIFTWATCH_AUTH === 'none') {
    if (ingestTokens.length + adminTokens.length > 0) {
      problems.push(
        'DRIFTWATCH_AUTH=none contradicts DRIFTWATCH_INGEST_TOKENS/DRIFTWATCH_ADMIN_TOKENS',
      );
    }
    raw.auth = 'none';
  } else if (env.DRIFTWATCH_AUTH !== undefined && env.DRIFTWATCH_AUTH !== '') {
    problems.push(
      `DRIFTWATCH_AUTH: the only accepted value is "none", got "${env.DRIFTWATCH_AUTH}"`,
    );
  }
  if (ingestTokens.length + adminTokens.length > 0) {
    if (raw.auth === 'none') {
      problems.push('auth: "none" in the file contradicts tokens given in the environment');
      return;
    }
    const auth = section(raw, 'auth');
    const tokens = Array.isArray(auth.tokens) ? (auth.tokens as unknown[]) : [];
    ingestTokens.forEach((token, i) =>
      tokens.push({ name: `env-ingest-${i + 1}`, token, scopes: ['ingest'] }),
    );
    adminTokens.forEach((token, i) =>
      tokens.push({ name: `env-admin-${i + 1}`, token, scopes: ['admin', 'ingest'] }),
    );
    auth.tokens = tokens;
  }
}

function describeIssues(issue: z.core.$ZodIssue, prefix: readonly PropertyKey[] = []): string[] {
  const path = [...prefix, ...issue.path];
  const where = issueWhere(path, '(root)');
  if (issue.code === 'unrecognized_keys') {
    return [
      `${where}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`,
    ];
  }
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    // A union (e.g. `auth: none` or `auth: {tokens}`) reports one issue per
    // branch; the branch that got furthest into the value says what is wrong.
    const depth = (branch: z.core.$ZodIssue[]): number =>
      Math.max(0, ...branch.map((inner) => inner.path.length));
    const best = issue.errors.reduce((a, b) => (depth(b) >= depth(a) ? b : a));
    if (depth(best) > 0) return best.flatMap((inner) => describeIssues(inner, path));
    const expected = issue.errors.map((branch) => branch.map((inner) => inner.message).join(', '));
    return [`${where}: matches none of the accepted forms (${expected.join(' | ')})`];
  }
  return [describeIssue(issue, '(root)', prefix)];
}

/**
 * Resolves `tokenEnv` references in the raw file, before the schema runs, so
 * that an unset variable is reported together with every other problem.
 */
function resolveTokenSecrets(raw: Json, env: NodeJS.ProcessEnv, problems: string[]): void {
  const auth = raw.auth;
  if (auth === null || typeof auth !== 'object' || Array.isArray(auth)) return;
  const tokens = (auth as Json).tokens;
  if (!Array.isArray(tokens)) return;
  tokens.forEach((token: unknown, index) => {
    if (token === null || typeof token !== 'object') return;
    const entry = token as Json;
    const where = `auth.tokens.${index}`;
    if (entry.token !== undefined && entry.tokenEnv !== undefined) {
      problems.push(`${where}: give "token" or "tokenEnv", not both`);
    } else if (typeof entry.tokenEnv === 'string') {
      const value = env[entry.tokenEnv];
      if (value === undefined || value.length < 16) {
        problems.push(
          `${where}.tokenEnv: environment variable ${entry.tokenEnv} is unset or shorter than 16 characters`,
        );
      } else {
        entry.token = value;
      }
    } else if (entry.token === undefined && entry.tokenEnv === undefined) {
      problems.push(`${where}: needs "token" or "tokenEnv"`);
    }
  });
}

export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const problems: string[] = [];
  const file = options.file ?? env.DRIFTWATCH_CONFIG;
  let raw: Json = {};

  const path = file ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  if (file !== undefined && !existsSync(file)) {
    problems.push(`config file ${file} does not exist`);
  } else if (path !== undefined) {
    try {
      const parsed: unknown = parseYaml(readFileSync(path, 'utf8'));
      if (parsed === null || parsed === undefined) raw = {};
      else if (typeof parsed === 'object' && !Array.isArray(parsed)) raw = parsed as Json;
      else problems.push(`${path}: the top level must be a mapping`);
    } catch (error) {
      const detail = error instanceof YAMLParseError ? error.message : String(error);
      problems.push(`${path}: ${detail}`);
    }
  }

  applyEnv(raw, env, problems);
  if (options.overrides?.port !== undefined) section(raw, 'server').port = options.overrides.port;
  if (options.overrides?.host !== undefined) section(raw, 'server').host = options.overrides.host;
  if (options.overrides?.dataDir !== undefined)
    section(raw, 'database').dataDir = options.overrides.dataDir;
  if (options.overrides?.logFormat !== undefined)
    section(raw, 'logging').format = options.overrides.logFormat;

  resolveTokenSecrets(raw, env, problems);
  resolveWebhookSecrets(raw, env, problems);
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    problems.push(...result.error.issues.flatMap((issue) => describeIssues(issue)));
    throw new ConfigError(problems);
  }
  checkExposure(result.data, problems);
  if (result.data.models.defaults.shadow) {
    problems.push(
      'models.defaults.shadow: a challenger is a version of one model; set it under models.settings.<model>.shadow',
    );
  }
  if (result.data.ingest.maxAgeDays > result.data.retention.predictionsDays) {
    problems.push(
      `ingest.maxAgeDays (${result.data.ingest.maxAgeDays}) is longer than retention.predictionsDays (${result.data.retention.predictionsDays}): accepted records would be deleted at once`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return result.data;
}

function isLoopback(host: string): boolean {
  // By address, not prefix: a host name like 127.example.com is not loopback.
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/** Listening beyond loopback with no credentials is only allowed when asked for by name. */
function checkExposure(config: Config, problems: string[]): void {
  if (config.auth === 'none') return;
  if (config.auth.tokens.length === 0 && !isLoopback(config.server.host)) {
    problems.push(
      `server.host ${config.server.host} is not a loopback address and no tokens are configured: ` +
        'set auth.tokens (or DRIFTWATCH_INGEST_TOKENS / DRIFTWATCH_ADMIN_TOKENS), or `auth: none` to run open on purpose',
    );
  }
}
