import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeIssue, issueProblems, issueWhere } from '../../../src/core/schemaIssues.js';

describe('issueWhere', () => {
  it('joins the path with dots, indices included', () => {
    expect(issueWhere(['features', 2, 'type'], '(body)')).toBe('features.2.type');
  });

  it('names the validated value itself by the root given', () => {
    expect(issueWhere([], '(body)')).toBe('(body)');
    expect(issueWhere([], '(root)')).toBe('(root)');
    expect(issueWhere([], '')).toBe('');
  });
});

describe('describeIssue', () => {
  it('puts the prefix of the enclosing value before the path', () => {
    expect(describeIssue({ path: ['port'], message: 'Too big' }, '(root)', ['server'])).toBe(
      'server.port: Too big',
    );
  });
});

describe('issueProblems', () => {
  it('lists zod issues as where: message, (body) for the value itself', () => {
    const schema = z.strictObject({ limit: z.number().int().max(10) });
    const parsed = schema.safeParse({ limit: 11, extra: true });
    expect(parsed.success).toBe(false);
    const problems = issueProblems(parsed.error!.issues);
    expect(problems).toHaveLength(2);
    expect(problems).toContain(
      `limit: ${parsed.error!.issues.find((i) => i.path.length)!.message}`,
    );
    expect(problems.some((problem) => problem.startsWith('(body): '))).toBe(true);
  });

  it('lists nothing for no issues', () => {
    expect(issueProblems([])).toEqual([]);
  });
});
