/**
 * The model registry service: validates definitions, persists them, keeps an
 * in-process cache for the ingest hot path, and registers the manifests found
 * under the models folder at start-up.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { ValidationError } from '../core/errors.js';
import type { StoredModelVersion } from '../core/model.js';
import { issueProblems } from '../core/schemaIssues.js';
import type { ModelStore, UpsertOutcome, VersionRevision } from '../storage/modelStore.js';
import type { PoolClient } from '../storage/pool.js';
import { modelManifestSchema, modelNameSchema, modelVersionDefinitionSchema } from './schema.js';

function cacheKey(model: string, version: string): string {
  return `${model}\u0000${version}`;
}

/**
 * How long a cached version is trusted. Ingestion is protected from stale
 * schemas by the revision check in its transaction; the expiry only bounds
 * how long another replica's threshold or artifact change takes to show here.
 */
const CACHE_TTL_MS = 30_000;

interface CacheEntry {
  version: StoredModelVersion;
  loadedAtMs: number;
}

/** A reference file named by a manifest, resolved under the models folder. */
export interface ManifestReference {
  model: string;
  version: string;
  /** Absolute path. */
  file: string;
}

/** What the start-up registration did, manifest by manifest (`model/version`). */
export interface ManifestOutcome {
  registered: string[];
  failed: string[];
  /** Reference files named by the registered manifests, to import where missing. */
  references: ManifestReference[];
}

/**
 * The manifest's reference path resolved under the models folder; one that
 * leaves it fails the manifest, as an ONNX path does (scoring/sessionCache.ts).
 */
function referenceFile(dir: string, reference: string, label: string): string {
  const root = path.resolve(dir);
  const file = path.resolve(root, reference);
  const relative = path.relative(root, file);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new ValidationError(
      `${label}: reference "${reference}" is not a file under the models directory ${root}; name a path relative to it`,
    );
  }
  return file;
}

export class ModelRegistry {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly listeners: ((model: string, version: string) => void)[] = [];

  constructor(
    private readonly store: ModelStore,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  async register(
    model: string,
    version: string,
    body: unknown,
    source: 'api' | 'manifest' = 'api',
  ): Promise<{ outcome: UpsertOutcome; version: StoredModelVersion }> {
    const problems: string[] = [];
    if (!modelNameSchema.safeParse(model).success) problems.push(`model: invalid name "${model}"`);
    if (!modelNameSchema.safeParse(version).success)
      problems.push(`version: invalid name "${version}"`);
    const parsed = modelVersionDefinitionSchema.safeParse(body);
    if (!parsed.success) problems.push(...issueProblems(parsed.error.issues));
    if (problems.length > 0 || !parsed.success) {
      throw new ValidationError('invalid model version definition', { problems });
    }
    const result = await this.store.upsertVersion({
      model,
      version,
      task: parsed.data.task,
      features: parsed.data.features,
      threshold: parsed.data.threshold,
      onnx: parsed.data.onnx ?? null,
      source,
    });
    this.cache.set(cacheKey(model, version), { version: result.version, loadedAtMs: this.now() });
    if (result.outcome === 'created') {
      for (const listener of this.listeners) listener(model, version);
    }
    return result;
  }

  /** Called after a version is created here (the scheduler adds jobs for a new model). */
  onCreated(listener: (model: string, version: string) => void): void {
    this.listeners.push(listener);
  }

  /** The cached version, loading it from the database on a miss. */
  async get(model: string, version: string): Promise<StoredModelVersion | null> {
    const key = cacheKey(model, version);
    const cached = this.cache.get(key);
    if (cached && this.now() - cached.loadedAtMs < CACHE_TTL_MS) return cached.version;
    const loaded = await this.store.getVersion(model, version);
    if (loaded) this.cache.set(key, { version: loaded, loadedAtMs: this.now() });
    else this.cache.delete(key);
    return loaded;
  }

  /** Drops cached entries so the next `get` reloads them (another replica changed them). */
  invalidate(keys: Iterable<{ model: string; version: string }>): void {
    for (const key of keys) this.cache.delete(cacheKey(key.model, key.version));
  }

  /**
   * Locks the versions in the caller's transaction and returns their current
   * revisions (see ModelStore.lockRevisions); the caller compares them with
   * the ones it validated against.
   */
  lockRevisions(
    client: PoolClient,
    versions: readonly { model: string; version: string }[],
  ): Promise<VersionRevision[]> {
    return this.store.lockRevisions(client, versions);
  }

  list(): Promise<StoredModelVersion[]> {
    return this.store.listVersions();
  }

  modelExists(model: string): Promise<boolean> {
    return this.store.modelExists(model);
  }

  /**
   * Registers every `<dir>/<model>/<version>/model.json`. A manifest that
   * fails validation is reported and skipped; it does not stop the service,
   * because the other models must still be monitored. The reference files
   * the manifests name are returned, not read: importing one is ingest's job
   * (ingest/manifestReferences.ts).
   */
  async registerManifests(dir: string): Promise<ManifestOutcome> {
    const registered: string[] = [];
    const failed: string[] = [];
    const references: ManifestReference[] = [];
    let models: string[];
    try {
      models = (await readdir(dir, { withFileTypes: true }))
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        return { registered, failed, references };
      throw error;
    }
    for (const model of models.sort()) {
      const versions = (await readdir(path.join(dir, model), { withFileTypes: true }))
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
        .sort();
      for (const version of versions) {
        const file = path.join(dir, model, version, 'model.json');
        let text: string;
        try {
          text = await readFile(file, 'utf8');
        } catch {
          continue;
        }
        try {
          const manifest = modelManifestSchema.parse(JSON.parse(text));
          if (manifest.model !== model || manifest.version !== version) {
            throw new ValidationError(
              `manifest names ${manifest.model}/${manifest.version} but lives in ${model}/${version}`,
            );
          }
          const reference =
            manifest.reference === undefined
              ? null
              : referenceFile(dir, manifest.reference, `${model}/${version}`);
          const { outcome } = await this.register(
            model,
            version,
            {
              task: manifest.task,
              features: manifest.features,
              threshold: manifest.threshold,
              onnx: manifest.onnx,
            },
            'manifest',
          );
          registered.push(`${model}/${version}`);
          if (reference !== null) references.push({ model, version, file: reference });
          this.logger.info({ model, version, outcome, file }, 'registered model manifest');
        } catch (error) {
          failed.push(`${model}/${version}`);
          this.logger.error({ err: error, file }, 'model manifest rejected');
        }
      }
    }
    return { registered, failed, references };
  }
}
