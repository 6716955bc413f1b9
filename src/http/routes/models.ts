import express, { Router } from 'express';
import { modelCheckSettings, modelSettings } from '../../config/schema.js';
import { slicedFeatures } from '../../core/segments.js';
import { AppError, NotFoundError } from '../../core/errors.js';
import type { StoredModelVersion } from '../../core/model.js';
import type { Authenticator } from '../auth.js';
import { mediaType, requestBody } from '../requestBody.js';
import type { HttpServices } from '../services.js';

export function versionView(version: StoredModelVersion): Record<string, unknown> {
  return {
    model: version.model,
    version: version.version,
    task: version.task,
    features: version.features,
    threshold: version.threshold,
    onnx: version.onnx,
    revision: version.revision,
    created_at: version.createdAt.toISOString(),
    updated_at: version.updatedAt.toISOString(),
  };
}

function param(value: string | string[] | undefined): string {
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}

export function modelRoutes(services: HttpServices, auth: Authenticator): Router {
  const router = Router();
  const json = express.json({ limit: '4mb' });

  router.put(
    '/v1/models/:model/versions/:version',
    auth.require('admin'),
    json,
    async (req, res) => {
      if (mediaType(req) !== 'application/json') {
        throw new AppError(
          'unsupported_media_type',
          'send the version definition as application/json',
        );
      }
      const { outcome, version } = await services.registry.register(
        param(req.params.model),
        param(req.params.version),
        req.body as unknown,
      );
      res.status(outcome === 'created' ? 201 : 200).json({ outcome, ...versionView(version) });
    },
  );

  router.get('/v1/models', auth.require('any'), async (_req, res) => {
    const versions = await services.registry.list();
    const models = new Map<string, Record<string, unknown>[]>();
    for (const version of versions) {
      const list = models.get(version.model) ?? [];
      list.push(versionView(version));
      models.set(version.model, list);
    }
    res.json({ models: [...models].map(([name, list]) => ({ name, versions: list })) });
  });

  router.get('/v1/models/:model/versions/:version', auth.require('any'), async (req, res) => {
    const model = param(req.params.model);
    const versionName = param(req.params.version);
    const version = await services.registry.get(model, versionName);
    if (!version)
      throw new NotFoundError(`model ${model} version ${versionName} is not registered`);
    const reference = await services.referenceStore.summary(model, versionName);
    res.json({
      ...versionView(version),
      reference: reference && {
        rows: reference.rows,
        imported_at: reference.importedAt.toISOString(),
      },
    });
  });

  router.put(
    '/v1/models/:model/versions/:version/reference',
    auth.require('admin'),
    async (req, res) => {
      const model = param(req.params.model);
      const versionName = param(req.params.version);
      const type = mediaType(req);
      const format =
        type === 'text/csv'
          ? 'csv'
          : type === 'application/x-ndjson' || type === 'application/ndjson'
            ? 'ndjson'
            : null;
      if (!format) {
        throw new AppError(
          'unsupported_media_type',
          `send the reference as text/csv (with a header row) or application/x-ndjson, not "${type || '(none)'}"`,
        );
      }
      const version = await services.registry.get(model, versionName);
      if (!version)
        throw new NotFoundError(`model ${model} version ${versionName} is not registered`);
      const result = await services.references.import(
        {
          model,
          version: versionName,
          task: version.task,
          features: version.features,
          settings: modelSettings(services.config, model),
          sliceBy: slicedFeatures(
            modelCheckSettings(services.config, model).segments,
            version.features,
          ),
        },
        format,
        requestBody(req, services.config.ingest.referenceMaxBodyBytes),
      );
      res.json({
        model,
        version: versionName,
        rows: result.rows,
        imported_at: result.importedAt.toISOString(),
        rejected: result.rejected,
        rejected_count: result.rejectedCount,
        ignored_columns: result.ignoredColumns,
        ignored_labels: result.ignoredLabels,
      });
    },
  );

  router.get(
    '/v1/models/:model/versions/:version/reference',
    auth.require('any'),
    async (req, res) => {
      const model = param(req.params.model);
      const versionName = param(req.params.version);
      const profile = await services.referenceStore.load(model, versionName);
      if (!profile)
        throw new NotFoundError(`model ${model} version ${versionName} has no reference`);
      res.json({
        rows: profile.rows,
        features: profile.features.map((feature) =>
          feature.kind === 'numeric'
            ? {
                name: feature.name,
                kind: feature.kind,
                n: feature.n,
                missing: feature.missing,
                min: feature.min,
                max: feature.max,
                mean: feature.mean,
                std: feature.std,
                bin_edges: feature.binEdges,
              }
            : {
                name: feature.name,
                kind: feature.kind,
                n: feature.n,
                missing: feature.missing,
                counts: feature.counts,
              },
        ),
        score: profile.score && {
          n: profile.score.n,
          missing: profile.score.missing,
          min: profile.score.min,
          max: profile.score.max,
          mean: profile.score.mean,
          std: profile.score.std,
        },
        // A binary classifier's reference with scores and labels: how well
        // the raw scores are calibrated, and what the estimate corrects.
        calibration: profile.outcomes
          ? {
              rows: profile.outcomes.calibration.rows,
              positives: profile.outcomes.calibration.positives,
              expected_calibration_error: profile.outcomes.calibration.expectedCalibrationError,
              reliability:
                profile.outcomes.calibration.reliability?.map((bin) => ({
                  lower: bin.lower,
                  upper: bin.upper,
                  count: bin.count,
                  mean_score: bin.meanScore,
                  observed_rate: bin.observedRate,
                })) ?? null,
            }
          : null,
      });
    },
  );

  return router;
}
