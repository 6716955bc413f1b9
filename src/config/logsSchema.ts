/**
 * `logs`: NDJSON prediction logs followed on a shared volume (file tailing,
 * docs/serving-pods.md "Shipping through a log file").
 */
import path from 'node:path';
import { z } from 'zod';

/** A path whose file name may hold `*` and `?`; the folder must be literal. */
const filePatternSchema = z
  .string()
  .min(1)
  .refine((pattern) => !/[*?]/.test(path.dirname(pattern)), {
    message: 'wildcards (* and ?) are allowed in the file name only, not in folders',
  });

export const logsSchema = z
  .strictObject({
    /** Files to follow, e.g. `/var/log/predictions/*.ndjson`. */
    files: z.array(filePatternSchema).default([]),
    /** How often the files are checked for new lines. */
    pollIntervalMs: z.number().int().min(10).max(3_600_000).default(1_000),
    /** Most records stored per transaction. */
    batchRecords: z.number().int().min(1).max(100_000).default(1_000),
  })
  .prefault({});

export type LogsConfig = z.output<typeof logsSchema>;
