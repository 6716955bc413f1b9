/**
 * Validation of one request's records against the registered versions, record
 * by record as the body streams in: the valid rows, the rejections, and the
 * record traceparents the ingest span links to.
 */
import type { Config, ModelSettings } from '../config/schema.js';
import { modelSettings } from '../config/schema.js';
import type { StoredModelVersion } from '../core/model.js';
import type { ModelRegistry } from '../registry/modelRegistry.js';
import type { PredictionRecord } from './recordSchema.js';
import type { RawRecord } from './recordSplitter.js';
import { RejectionList } from './rejectionList.js';
import type { TimestampBounds } from './timestamp.js';
import { buildRow, type ValidRow } from './validateRecord.js';
import { parseEnvelope } from './recordEnvelope.js';

/**
 * Most distinct record traceparents one ingest span links to; the rest are
 * counted in `driftwatch.ingest.links_dropped`. With the request's own link
 * that stays within the SDK's default of 128 links per span
 * (`OTEL_SPAN_LINK_COUNT_LIMIT`), which backends also bound.
 */
export const MAX_RECORD_LINKS = 127;

/**
 * Validates the records of one request. Versions are looked up once per
 * request; a model's absence is remembered so that a batch for an
 * unregistered model costs one query, not one per record.
 */
export class BatchValidator {
  readonly valid: ValidRow[] = [];
  readonly rejected: RejectionList;
  readonly versions = new Map<string, StoredModelVersion>();
  total = 0;
  /** Distinct record traceparents (`traceId-spanId` → first record index), when collected. */
  readonly traceparents = new Map<string, { traceparent: string; index: number }>();
  traceparentsDropped = 0;
  private readonly missingVersions = new Set<string>();
  private readonly modelKnown = new Map<string, boolean>();
  private readonly settings = new Map<string, ModelSettings>();

  constructor(
    private readonly registry: ModelRegistry,
    private readonly config: Config,
    private readonly bounds: TimestampBounds,
    /** Collect record traceparents for span links (only when the ingest span records). */
    private readonly collectTraceparents: boolean,
    maxRejectionsListed: number,
  ) {
    this.rejected = new RejectionList(maxRejectionsListed);
  }

  /**
   * Validates one record. Synchronous once the record's version has been
   * seen in this request — the common case — so a batch does not pay a
   * promise per record; the first record of a version resolves it.
   */
  add(raw: RawRecord): Promise<void> | undefined {
    this.total += 1;
    const envelope = parseEnvelope(raw, this.config.ingest.limits);
    if (!envelope.ok) {
      this.rejected.add(envelope.rejection);
      return undefined;
    }
    const record = envelope.value;
    const version = this.versions.get(`${record.model}\u0000${record.model_version}`);
    if (version) {
      this.build(raw.index, record, version);
      return undefined;
    }
    return this.addFirstOfVersion(raw.index, record);
  }

  private build(index: number, record: PredictionRecord, version: StoredModelVersion): void {
    let settings = this.settings.get(record.model);
    if (!settings) {
      settings = modelSettings(this.config, record.model);
      this.settings.set(record.model, settings);
    }
    const row = buildRow(index, record, {
      features: version.features,
      settings,
      bounds: this.bounds,
      limits: this.config.ingest.limits,
    });
    if (!row.ok) {
      this.rejected.add(row.rejection);
      return;
    }
    this.valid.push(row.value);
    if (this.collectTraceparents && record.traceparent !== undefined) {
      this.noteTraceparent(index, record.traceparent);
    }
  }

  private noteTraceparent(index: number, traceparent: string): void {
    // The trace and span ids (characters 3–51) identify the link; flags do not.
    const key = traceparent.slice(3, 52);
    if (this.traceparents.has(key)) return;
    if (this.traceparents.size >= MAX_RECORD_LINKS) this.traceparentsDropped += 1;
    else this.traceparents.set(key, { traceparent, index });
  }

  private async addFirstOfVersion(index: number, record: PredictionRecord): Promise<void> {
    const key = `${record.model}\u0000${record.model_version}`;
    let version: StoredModelVersion | null = null;
    if (!this.missingVersions.has(key)) {
      version = await this.registry.get(record.model, record.model_version);
      if (version) this.versions.set(key, version);
      else this.missingVersions.add(key);
    }
    if (version) {
      this.build(index, record, version);
      return;
    }
    const known = await this.isModelKnown(record.model);
    this.rejected.add(
      known
        ? {
            index,
            code: 'unknown_version',
            message: `model ${record.model} has no version ${record.model_version}; register it first`,
          }
        : { index, code: 'unknown_model', message: `model ${record.model} is not registered` },
    );
  }

  private async isModelKnown(model: string): Promise<boolean> {
    let known = this.modelKnown.get(model);
    if (known === undefined) {
      known = await this.registry.modelExists(model);
      this.modelKnown.set(model, known);
    }
    return known;
  }
}
