/**
 * A small PromQL scanner for tests that check dashboards and alert rules
 * against the metric catalogue (src/telemetry/metricNames.ts). It is not a
 * parser: it walks the tokens of an expression and keeps the identifiers that
 * stand where a metric name stands, skipping what cannot be one.
 *
 * Worked example:
 *   metricNamesIn('histogram_quantile(0.99, sum by (le) (rate(x_bucket{job="a"}[5m]))) > 0.5')
 *   → ['x_bucket']
 * `histogram_quantile`, `sum` and `rate` are calls, `le` is a grouping label,
 * `{job="a"}` is a matcher list, `[5m]` a range, `0.99` and `0.5` numbers.
 */

/** Aggregation operators: written `sum(…)`, `sum by (l) (…)` or `sum without (l) (…)`. */
const AGGREGATIONS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
  'limitk',
  'limit_ratio',
]);

/** Keywords followed by a parenthesised list of label names. */
const LABEL_LIST_KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
]);

/** Binary operators and modifiers spelled as words, and the literals inf and nan. */
const WORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'atan2', 'inf', 'nan']);

const IDENTIFIER = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
// A duration (5m, 1h30m, 250ms), a hexadecimal number, or a decimal one (1, .5, 1e-4).
const NUMBER_OR_DURATION =
  /^(?:(?:\d+(?:ms|[smhdwy]))+|0x[0-9a-f]+|(?:\d*\.\d+|\d+\.?)(?:e[+-]?\d+)?)/i;
// `__name__="x"` inside a matcher list names the metric x.
const NAME_MATCHER = /__name__\s*=\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|`([^`]*)`)/g;

/** Index just past the string literal that starts at `start` (quote char at `start`). */
function skipString(expr: string, start: number): number {
  const quote = expr[start];
  let i = start + 1;
  while (i < expr.length && expr[i] !== quote) i += quote !== '`' && expr[i] === '\\' ? 2 : 1;
  if (i >= expr.length) throw new Error(`unterminated string at ${start} in: ${expr}`);
  return i + 1;
}

/** Index just past the bracket closing the one at `start`, strings skipped. */
function skipBracketed(expr: string, start: number, close: string): number {
  let i = start + 1;
  while (i < expr.length && expr[i] !== close) {
    const c = expr[i]!;
    i = c === '"' || c === "'" || c === '`' ? skipString(expr, i) : i + 1;
  }
  if (i >= expr.length) throw new Error(`no '${close}' closes position ${start} in: ${expr}`);
  return i + 1;
}

function skipSpace(expr: string, start: number): number {
  let i = start;
  for (;;) {
    while (i < expr.length && /\s/.test(expr[i]!)) i++;
    if (expr[i] !== '#') return i;
    while (i < expr.length && expr[i] !== '\n') i++; // a comment runs to the end of the line
  }
}

/**
 * The metric names an expression selects, each once, in order of appearance.
 * Recording-rule names (`level:metric:ops`) are returned like any other name.
 */
export function metricNamesIn(expr: string): string[] {
  const names = new Set<string>();
  let i = 0;
  while ((i = skipSpace(expr, i)) < expr.length) {
    const rest = expr.slice(i);
    const c = expr[i]!;
    if (c === '"' || c === "'" || c === '`') {
      i = skipString(expr, i);
    } else if (c === '{') {
      const end = skipBracketed(expr, i, '}');
      for (const match of expr.slice(i, end).matchAll(NAME_MATCHER)) {
        names.add(match[1] ?? match[2] ?? match[3] ?? '');
      }
      i = end;
    } else if (c === '[') {
      i = skipBracketed(expr, i, ']'); // range or subquery
    } else if (NUMBER_OR_DURATION.test(rest)) {
      i += NUMBER_OR_DURATION.exec(rest)![0].length;
    } else if (IDENTIFIER.test(rest)) {
      const word = IDENTIFIER.exec(rest)![0];
      i += word.length;
      const next = skipSpace(expr, i);
      const lower = word.toLowerCase();
      if (LABEL_LIST_KEYWORDS.has(lower)) {
        if (expr[next] === '(') i = skipBracketed(expr, next, ')');
      } else if (WORDS.has(lower)) {
        // an operator or literal, never a name
      } else if (expr[next] === '(') {
        // a function call or an aggregation: its arguments are scanned next
      } else if (AGGREGATIONS.has(lower) && /^(?:by|without)\b/i.test(expr.slice(next))) {
        // `sum by (l) (…)`: the label list is skipped on the next turn
      } else {
        names.add(word);
      }
    } else {
      i++; // operators and punctuation
    }
  }
  names.delete('');
  return [...names];
}
