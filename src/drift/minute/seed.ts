/**
 * Deterministic seeds for the sketches' coins. A batch's group seeds from its
 * model, version, minute and first request id, so two batches of one minute
 * (almost always) flip different coins — the sketch's error bound assumes the
 * sketches that meet in a merge have independent coins — while a retry of
 * the same batch would flip the same ones (it is never stored twice anyway).
 */

/** FNV-1a, 32 bits, over the UTF-16 code units of `text`. */
export function fnv1a32(text: string, hash = 0x811c9dc5): number {
  let h = hash >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** A 32-bit mix of two integers (murmur3's finaliser over a ⊕ rotated b). */
export function mixSeeds(a: number, b: number): number {
  let h = (a ^ Math.imul(b + 0x9e3779b9, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Seed of one batch's group (see the file comment). */
export function groupSeed(
  model: string,
  version: string,
  minuteMs: number,
  firstRequestId: string,
): number {
  return fnv1a32(`${model}\u0000${version}\u0000${minuteMs}\u0000${firstRequestId}`);
}

/** Seed of one sketch of a group: `position` 0 for the score, `fnv1a32(name)` for a numeric feature. */
export function featureSeed(seed: number, position: number): number {
  return mixSeeds(seed, position);
}
