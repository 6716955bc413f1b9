/** What the HTTP layer needs from the rest of the service (built in main.ts). */
import type { CheckService } from '../checks/checkService.js';
import type { Config } from '../config/schema.js';
import type { IngestService } from '../ingest/ingestService.js';
import type { KServeIntake } from '../ingest/kserve/kserveIntake.js';
import type { LabelIngest } from '../ingest/labelIngest.js';
import type { ReferenceImport } from '../ingest/referenceImport.js';
import type { ModelRegistry } from '../registry/modelRegistry.js';
import type { MinuteSummaryStore } from '../storage/minuteSummaryStore.js';
import type { ReferenceStore } from '../storage/referenceStore.js';
import type { RunStore } from '../storage/runStore.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { Logger } from '../telemetry/logger.js';
import type { OutboxStore } from '../storage/outboxStore.js';
import type { WebhookOutbox } from '../webhooks/outbox.js';

export interface HttpServices {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  registry: ModelRegistry;
  ingest: IngestService;
  /** POST /v1/intake/kserve: KServe payload-logger CloudEvents. */
  kserve: KServeIntake;
  labels: LabelIngest;
  references: ReferenceImport;
  referenceStore: ReferenceStore;
  runStore: RunStore;
  /** Minute summaries built at ingest, and the clock that ends their windows. */
  minuteSummaries: { store: MinuteSummaryStore; now: () => number };
  checks: CheckService;
  /** The webhook outbox: deliveries listing and Alertmanager intake. */
  webhooks: { store: OutboxStore; outbox: WebhookOutbox };
  /** Resolves when the database answers and every migration is applied; rejects with the reason. */
  readiness: () => Promise<void>;
}
