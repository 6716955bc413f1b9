/**
 * The read path of the minute summaries built at ingest:
 * `GET /v1/models/{model}/versions/{version}/summaries?window=1h` merges the
 * partials of the window's minutes (drift/minute/) and reports counts,
 * moments, quantiles with the sketch's bound, and category counts.
 */
import { Router } from 'express';
import { z } from 'zod';
import { parseDuration } from '../../config/checksSchema.js';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import { issueProblems } from '../../core/schemaIssues.js';
import {
  decodeMinuteSummary,
  mergeMinuteWindow,
  MINUTE_MS,
  minuteOf,
  minuteSummaryReport,
} from '../../drift/minute/index.js';
import type { Authenticator } from '../auth.js';
import type { HttpServices } from '../services.js';

/** The longest window one request merges (7 days: 10,080 minutes). */
export const MAX_SUMMARY_WINDOW_SECONDS = 7 * 86_400;

const WINDOW = /^\d+(s|m|h|d)$/;

export const summariesQuerySchema = z.strictObject({
  window: z
    .string()
    .regex(WINDOW, 'a duration like 30m, 1h or 7d')
    // zod runs refinements even after the regex failed, so this one must not throw.
    .refine((text) => {
      if (!WINDOW.test(text)) return true;
      const seconds = parseDuration(text);
      return seconds >= 60 && seconds <= MAX_SUMMARY_WINDOW_SECONDS;
    }, 'between 1m and 7d')
    .default('1h'),
});

function param(value: string | string[] | undefined): string {
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}

export function summaryRoutes(services: HttpServices, auth: Authenticator): Router {
  const router = Router();

  router.get(
    '/v1/models/:model/versions/:version/summaries',
    auth.require('any'),
    async (req, res) => {
      const parsed = summariesQuerySchema.safeParse(req.query);
      if (!parsed.success)
        throw new ValidationError('invalid query', {
          problems: issueProblems(parsed.error.issues),
        });
      const model = param(req.params.model);
      const versionName = param(req.params.version);
      const version = await services.registry.get(model, versionName);
      if (!version)
        throw new NotFoundError(`model ${model} version ${versionName} is not registered`);
      // The window ends with the current minute, included; whole minutes only.
      const toMs = minuteOf(services.minuteSummaries.now()) + MINUTE_MS;
      const windowMs =
        Math.ceil((parseDuration(parsed.data.window) * 1000) / MINUTE_MS) * MINUTE_MS;
      const fromMs = toMs - windowMs;
      const stored = await services.minuteSummaries.store.load(model, versionName, fromMs, toMs);
      // Per minute, then across minutes: the same summary before and after
      // the minutes are compacted (drift/minute/merge.ts).
      const window = mergeMinuteWindow(
        stored.map((entry) => ({
          minuteMs: entry.minuteMs,
          summary: decodeMinuteSummary(entry.summary),
        })),
      );
      const merged = window.summary;
      res.json({
        model,
        version: versionName,
        window: {
          from: new Date(fromMs).toISOString(),
          to: new Date(toMs).toISOString(),
        },
        partials: window.partials,
        minutes: window.minutes.map(({ minuteMs, rows }) => ({
          minute: new Date(minuteMs).toISOString(),
          rows,
        })),
        ...(merged
          ? minuteSummaryReport(merged)
          : { rows: 0, score: null, numeric: {}, categorical: {} }),
      });
    },
  );

  return router;
}
