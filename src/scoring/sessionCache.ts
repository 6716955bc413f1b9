/**
 * ONNX sessions of registered model versions: one `InferenceSession` per
 * (model, version), created on first use, cached, and recreated when the file
 * on disk changes (size, mtime or inode; one `stat` per `get`).
 *
 * Loading is where a deployment goes wrong, so every failure is a
 * {@link ModelLoadError} with a stable `reason` and a message that says what
 * to fix: the file is missing, its sha256 is not the registered one (never a
 * silent load of another model), the graph does not parse, or the manifest
 * does not fit the graph (graphContract.ts, checked when the session is
 * created, scoringSession.ts). The caller (the parity check) turns it into an
 * `error` run with that message; nothing here throws past a `get` or `score`
 * promise.
 *
 * This file and scoringSession.ts are the only modules of driftwatch that
 * import onnxruntime-node.
 */
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { InferenceSession } from 'onnxruntime-node';
import type { Logger } from 'pino';
import type { OnnxArtifact } from '../core/model.js';
import { errorMessage, ModelLoadError } from './modelErrors.js';
import {
  checkBatchSize,
  ScoringSession,
  type FileIdentity,
  type LoadedModel,
} from './scoringSession.js';

export const DEFAULT_SCORE_BATCH_SIZE = 4_096;

export interface SessionCacheOptions {
  /** Folder that artifact paths are relative to; a path resolving outside it is refused. */
  modelsDir: string;
  /** Threads of one operator (onnxruntime `intraOpNumThreads`; 0 lets onnxruntime choose). */
  intraOpThreads: number;
  /** Threads across operators (`interOpNumThreads`); only used when the graph runs in parallel mode. */
  interOpThreads?: number | undefined;
  /** Rows per `session.run` (default {@link DEFAULT_SCORE_BATCH_SIZE}). */
  batchSize?: number | undefined;
  logger: Logger;
}

interface CacheEntry {
  identity: FileIdentity;
  /** The artifact as registered: a re-registration with another hash or names reloads. */
  artifactKey: string;
  loading: Promise<ScoringSession>;
}

export class SessionCache {
  private readonly modelsDir: string;
  private readonly options: SessionCacheOptions;
  private readonly batchSize: number;
  private readonly entries = new Map<string, CacheEntry>();
  private closed = false;

  constructor(options: SessionCacheOptions) {
    this.modelsDir = path.resolve(options.modelsDir);
    this.options = options;
    this.batchSize = checkBatchSize(options.batchSize ?? DEFAULT_SCORE_BATCH_SIZE);
    if (!Number.isInteger(options.intraOpThreads) || options.intraOpThreads < 0) {
      throw new RangeError(`intraOpThreads must be an integer >= 0, got ${options.intraOpThreads}`);
    }
    const inter = options.interOpThreads;
    if (inter !== undefined && (!Number.isInteger(inter) || inter < 0)) {
      throw new RangeError(`interOpThreads must be an integer >= 0, got ${inter}`);
    }
  }

  /**
   * The version's session: cached while the file is unchanged, (re)loaded
   * otherwise. Concurrent calls share one load; a failed load is not cached,
   * so the next call tries again (the file may have been fixed).
   * @throws ModelLoadError
   */
  async get(model: string, version: string, artifact: OnnxArtifact): Promise<LoadedModel> {
    const label = `model ${model} version ${version}`;
    if (this.closed) throw new ModelLoadError('closed', `${label}: the session cache is closed`);
    const file = this.resolvePath(label, artifact.path);
    const key = `${model}\u0000${version}`;
    let identity: FileIdentity;
    try {
      identity = identityOf(await stat(file));
    } catch (error) {
      this.evict(key);
      throw fileError(label, artifact.path, file, error);
    }
    if (this.closed) throw new ModelLoadError('closed', `${label}: the session cache is closed`);
    const artifactKey = JSON.stringify(artifact);
    const cached = this.entries.get(key);
    if (cached && cached.artifactKey === artifactKey && sameIdentity(cached.identity, identity)) {
      return cached.loading;
    }
    if (cached) {
      this.options.logger.info(
        { model, version, path: artifact.path },
        'model file or registration changed; reloading',
      );
    }
    this.evict(key);
    const loading = this.load(model, version, artifact, file, label);
    const entry: CacheEntry = { identity, artifactKey, loading };
    this.entries.set(key, entry);
    loading.then(
      (session) => {
        // The file may have changed while it was read: record what was actually loaded.
        entry.identity = session.identity;
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return loading;
  }

  /** Releases every session; later `get` calls fail with reason `closed`. */
  async close(): Promise<void> {
    this.closed = true;
    const loads = [...this.entries.values()].map((entry) => entry.loading);
    this.entries.clear();
    const settled = await Promise.allSettled(loads);
    await Promise.all(
      settled.map((result) =>
        result.status === 'fulfilled' ? result.value.retire() : Promise.resolve(),
      ),
    );
  }

  private resolvePath(label: string, artifactPath: string): string {
    const file = path.resolve(this.modelsDir, artifactPath);
    const relative = path.relative(this.modelsDir, file);
    if (
      path.isAbsolute(artifactPath) ||
      relative === '' ||
      relative === '..' ||
      relative.startsWith(`..${path.sep}`) ||
      path.isAbsolute(relative)
    ) {
      throw new ModelLoadError(
        'path_outside_models_dir',
        `${label}: artifact path "${artifactPath}" is not a file under the models directory ${this.modelsDir}; register a path relative to it`,
        { details: { path: artifactPath, modelsDir: this.modelsDir } },
      );
    }
    return file;
  }

  private evict(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    entry.loading.then(
      (session) => session.retire(),
      () => undefined,
    );
  }

  private async load(
    model: string,
    version: string,
    artifact: OnnxArtifact,
    file: string,
    label: string,
  ): Promise<ScoringSession> {
    const started = performance.now();
    let bytes: Buffer;
    let identity: FileIdentity;
    try {
      const handle = await open(file, 'r');
      try {
        identity = identityOf(await handle.stat());
        bytes = await handle.readFile();
      } finally {
        await handle.close();
      }
    } catch (error) {
      throw fileError(label, artifact.path, file, error);
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (artifact.sha256 !== undefined && artifact.sha256.toLowerCase() !== sha256) {
      throw new ModelLoadError(
        'sha256_mismatch',
        `${label}: ${artifact.path} has sha256 ${sha256} but the version is registered with ${artifact.sha256.toLowerCase()}; restore the registered file or re-register the version with the new hash`,
        {
          details: { path: artifact.path, expected: artifact.sha256.toLowerCase(), actual: sha256 },
        },
      );
    }
    let session: InferenceSession;
    try {
      session = await InferenceSession.create(bytes, {
        graphOptimizationLevel: 'all',
        executionMode: 'sequential',
        intraOpNumThreads: this.options.intraOpThreads,
        ...(this.options.interOpThreads === undefined
          ? {}
          : { interOpNumThreads: this.options.interOpThreads }),
      });
    } catch (error) {
      throw new ModelLoadError(
        'invalid_graph',
        `${label}: onnxruntime cannot load ${artifact.path}: ${errorMessage(error)}`,
        { cause: error, details: { path: artifact.path } },
      );
    }
    try {
      const loaded = new ScoringSession(model, version, file, sha256, identity, artifact, session, {
        label,
        batchSize: this.batchSize,
        logger: this.options.logger,
      });
      this.options.logger.info(
        {
          model,
          version,
          path: artifact.path,
          sha256,
          bytes: bytes.length,
          loadMs: Math.round(performance.now() - started),
        },
        'model loaded',
      );
      return loaded;
    } catch (error) {
      await session.release().catch(() => undefined);
      throw error;
    }
  }
}

function identityOf(stats: { size: number; mtimeMs: number; ino: number }): FileIdentity {
  return { size: stats.size, mtimeMs: stats.mtimeMs, ino: stats.ino };
}

function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;
}

function fileError(
  label: string,
  artifactPath: string,
  file: string,
  error: unknown,
): ModelLoadError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new ModelLoadError(
      'missing_file',
      `${label}: model file ${file} does not exist; deploy it or fix onnx.path ("${artifactPath}")`,
      { cause: error, details: { path: artifactPath } },
    );
  }
  return new ModelLoadError(
    'unreadable_file',
    `${label}: cannot read model file ${file}: ${errorMessage(error)}`,
    { cause: error, details: { path: artifactPath } },
  );
}
