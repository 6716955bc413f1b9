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
