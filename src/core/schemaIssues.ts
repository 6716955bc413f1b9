/**
 * Problems of a value that failed schema validation (zod issues), as the
 * `where: what` lines that ValidationError and ConfigError list. Structural
 * types only: core imports no package.
 */

/** What formatting needs of an issue (zod's `$ZodIssue` has both). */
export interface SchemaIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/**
 * Where an issue is: its path joined with `.` (`features.2.type`), or `root`
 * for the validated value itself.
 */
export function issueWhere(path: readonly PropertyKey[], root: string): string {
  return path.length > 0 ? path.map(String).join('.') : root;
}

/**
 * `where: message` of one issue; `prefix` is the path of the value validated
 * when it sits inside a larger one.
 *
 * @example describeIssue({ path: ['limit'], message: 'Too big' }, '(body)') // → 'limit: Too big'
 */
export function describeIssue(
  issue: SchemaIssue,
  root: string,
  prefix: readonly PropertyKey[] = [],
): string {
  return `${issueWhere([...prefix, ...issue.path], root)}: ${issue.message}`;
}

/** One `where: message` line per issue, `(body)` for the value itself (API requests). */
export function issueProblems(issues: readonly SchemaIssue[], root = '(body)'): string[] {
  return issues.map((issue) => describeIssue(issue, root));
}
