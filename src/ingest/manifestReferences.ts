/**
 * The reference files named by model manifests, imported at start-up into
 * the versions that have none. A version with a reference keeps it: one
 * uploaded over the API is never overwritten by the file on disk. A file that
 * is missing or invalid is logged and skipped, like a bad manifest, because
 * the other models must still be monitored; its version's checks then say
 * why they cannot run.
 */
import { constants, createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import type { Logger } from 'pino';
import { modelCheckSettings, modelSettings, type Config } from '../config/schema.js';
import { slicedFeatures } from '../core/segments.js';
import type { ManifestReference, ModelRegistry } from '../registry/modelRegistry.js';
import type { ReferenceStore } from '../storage/referenceStore.js';
import type { ReferenceImport } from './referenceImport.js';

export interface ManifestReferenceDeps {
  config: Config;
  registry: ModelRegistry;
  references: ReferenceImport;
  referenceStore: ReferenceStore;
  logger: Logger;
}

export interface ManifestReferenceOutcome {
  /** `model/version` whose reference was imported from its file now. */
  imported: string[];
  /** `model/version` that already had a reference. */
  kept: string[];
  failed: string[];
}

export async function importManifestReferences(
  deps: ManifestReferenceDeps,
  references: readonly ManifestReference[],
): Promise<ManifestReferenceOutcome> {
  const outcome: ManifestReferenceOutcome = { imported: [], kept: [], failed: [] };
  for (const { model, version, file } of references) {
    const name = `${model}/${version}`;
    try {
      if ((await deps.referenceStore.summary(model, version)) !== null) {
        outcome.kept.push(name);
        continue;
      }
      // A missing file is named as such, not as a CSV that failed to parse.
      await access(file, constants.R_OK).catch((error: NodeJS.ErrnoException) => {
        throw new Error(`cannot read the reference file ${file} (${error.code})`);
      });
      const stored = await deps.registry.get(model, version);
      if (!stored) throw new Error(`${name} is not registered`);
      const result = await deps.references.import(
        {
          model,
          version,
          task: stored.task,
          features: stored.features,
          settings: modelSettings(deps.config, model),
          sliceBy: slicedFeatures(modelCheckSettings(deps.config, model).segments, stored.features),
        },
        /\.(nd)?jsonl?$/i.test(file) ? 'ndjson' : 'csv',
        createReadStream(file),
      );
      outcome.imported.push(name);
      deps.logger.info(
        { model, version, file, rows: result.rows, rejected: result.rejectedCount },
        'imported the reference named by the manifest',
      );
    } catch (error) {
      outcome.failed.push(name);
      deps.logger.error({ err: error, model, version, file }, 'manifest reference not imported');
    }
  }
  return outcome;
}
