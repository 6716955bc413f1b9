/**
 * Segments: a model's checks repeated on slices of the window, one slice per
 * frequent value of a categorical feature or of a record tag. Names shared by
 * config, the drift layer, storage, metrics and the UI.
 */

/** A tag key, as records carry it and as `by: "tag:<key>"` names it. */
export const TAG_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

/** The prefix of a `by` that names a record tag rather than a feature. */
export const TAG_PREFIX = 'tag:';

/** Every value outside the top N of a `by`, as one segment. */
export const OTHER_SEGMENT = '__other__';
/** Records without the feature value or without the tag: ranked like any value. */
export const MISSING_SEGMENT = '__missing__';

/**
 * The reference's slice of every value of a sliced feature beyond its
 * REFERENCE_SLICE_VALUES most frequent ones (ranked like window values).
 */
export const REST_SLICE = '__rest__';
/** Values of a categorical feature that get a reference slice of their own. */
export const REFERENCE_SLICE_VALUES = 100;

/** Default and bounds of `top`: the segment label's cardinality is at most top + 1 per `by`. */
export const DEFAULT_SEGMENT_TOP = 10;
export const MAX_SEGMENT_TOP = 50;

export interface SegmentSpec {
  /** A categorical feature's name, or `tag:<key>`. */
  by: string;
  /** The most frequent values in the window that get a segment of their own. */
  top: number;
}

/** What a `by` slices on. */
export type SegmentSource = { kind: 'feature'; name: string } | { kind: 'tag'; key: string };

export function segmentSource(by: string): SegmentSource {
  return by.startsWith(TAG_PREFIX)
    ? { kind: 'tag', key: by.slice(TAG_PREFIX.length) }
    : { kind: 'feature', name: by };
}

/** How a segment is named in result rows and metric labels: `plan=basic`, `tag:pod=__other__`. */
export function segmentLabel(by: string, value: string): string {
  return `${by}=${value}`;
}

/**
 * The segment of each row of one `by`: its value when among the `top` most
 * frequent (ties by value; a missing value as MISSING_SEGMENT, ranked like
 * any other), else OTHER_SEGMENT. Returns the segments in rank order
 * (OTHER_SEGMENT last, only when some row falls there) and each row's index
 * into them.
 */
export function rankSegments(
  values: readonly (string | null)[],
  top: number,
): { segments: string[]; rowSegment: Int32Array } {
  const counts = new Map<string, number>();
  for (const value of values) {
    const key = value ?? MISSING_SEGMENT;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const ranked = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, top)
    .map(([value]) => value);
  const position = new Map(ranked.map((value, i) => [value, i]));
  const rowSegment = new Int32Array(values.length);
  let other = false;
  values.forEach((value, row) => {
    const at = position.get(value ?? MISSING_SEGMENT);
    if (at === undefined) other = true;
    rowSegment[row] = at ?? ranked.length;
  });
  return { segments: other ? [...ranked, OTHER_SEGMENT] : ranked, rowSegment };
}

/** The categorical features among segment specs' `by`s (tags and other names left out), once each. */
export function slicedFeatures(
  specs: readonly SegmentSpec[],
  features: readonly { name: string; type: string }[],
): string[] {
  const categorical = new Set(features.filter((f) => f.type === 'categorical').map((f) => f.name));
  const names = specs
    .map((spec) => segmentSource(spec.by))
    .flatMap((source) =>
      source.kind === 'feature' && categorical.has(source.name) ? [source.name] : [],
    );
  return [...new Set(names)];
}
