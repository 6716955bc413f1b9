import { Router } from 'express';
import { z } from 'zod';
import { parseDuration } from '../../config/checksSchema.js';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import { CHECK_KINDS, type CheckKind } from '../../core/run.js';
import { issueProblems } from '../../core/schemaIssues.js';
import type { Authenticator } from '../auth.js';
import { runView } from '../runView.js';
import type { HttpServices } from '../services.js';

export const listRunsQuerySchema = z.strictObject({
  kind: z.enum(CHECK_KINDS as [CheckKind, ...CheckKind[]]).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.coerce.number().int().min(1).optional(),
});

export const runCheckQuerySchema = z.strictObject({
  version: z.string().min(1).optional(),
  window: z
    .string()
    .regex(/^\d+(s|m|h|d)$/, 'a duration like 30m, 1h or 7d')
    .optional(),
});

function param(value: string | string[] | undefined): string {
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}

export function runRoutes(services: HttpServices, auth: Authenticator): Router {
  const router = Router();

  router.get('/v1/models/:model/runs', auth.require('any'), async (req, res) => {
    const parsed = listRunsQuerySchema.safeParse(req.query);
    if (!parsed.success)
      throw new ValidationError('invalid query', { problems: issueProblems(parsed.error.issues) });
    const model = param(req.params.model);
    const runs = await services.runStore.list({
      model,
      kind: parsed.data.kind,
      limit: parsed.data.limit,
      beforeId: parsed.data.before,
    });
    const last = runs.at(-1);
    res.json({
      runs: runs.map((run) => runView(run, false)),
      next_before: runs.length === parsed.data.limit && last ? last.id : null,
    });
  });

  router.get('/v1/runs/:id', auth.require('any'), async (req, res) => {
    const id = Number(param(req.params.id));
    if (!Number.isSafeInteger(id) || id < 1)
      throw new ValidationError('a run id is a positive integer');
    const run = await services.runStore.get(id);
    if (!run) throw new NotFoundError(`run ${id} does not exist`);
    res.json(runView(run, true));
  });

  router.post('/v1/models/:model/checks/:kind/run', auth.require('admin'), async (req, res) => {
    const kind = param(req.params.kind);
    if (!CHECK_KINDS.includes(kind as CheckKind)) {
      throw new NotFoundError(`unknown check kind "${kind}": one of ${CHECK_KINDS.join(', ')}`);
    }
    const parsed = runCheckQuerySchema.safeParse(req.query);
    if (!parsed.success)
      throw new ValidationError('invalid query', { problems: issueProblems(parsed.error.issues) });
    const runs = await services.checks.run({
      model: param(req.params.model),
      version: parsed.data.version,
      kind: kind as CheckKind,
      trigger: 'manual',
      windowSeconds:
        parsed.data.window === undefined ? undefined : parseDuration(parsed.data.window),
    });
    res.json({ runs: runs.map((run) => runView(run, true)) });
  });

  return router;
}
