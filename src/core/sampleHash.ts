/**
 * The position of a prediction in the raw sample (docs/scaling.md, "Raw
 * sample"): a fixed hash of `(model, request_id)` mapped to [0, 2³²). A record
 * is kept at fraction f = 2⁻ᵏ iff its position is below f · 2³², i.e. iff the
 * top k bits of the hash are zero — so every replica, every retry and every
 * restart keeps the same ids, and the sample at f/2 is a subset of the
 * sample at f (samples nest when the fraction changes).
 *
 * The hash is 64-bit FNV-1a over the UTF-8 bytes of `model`, a 0 byte, then
 * `request_id` (offset basis 0xcbf29ce484222325, prime 2⁴⁰ + 0x1b3), folded
 * to 32 bits through MurmurHash3's fmix32 finaliser. FNV-1a alone mixes the
 * last bytes poorly into the high bits (ids that differ in their last
 * character — `req-1`, `req-2` — would share their top bits and be kept or
 * dropped together); fmix32 spreads every input bit over the output.
 * It is part of the stored data's meaning: changing it changes which rows a
 * deployment keeps, so it never changes.
 *
 * Worked example: `samplePosition('m', 'a')` hashes the bytes 6d 00 61.
 * Pure, no allocation: the 64-bit state is two 32-bit halves.
 */

const OFFSET_HI = 0xcbf29ce4;
const OFFSET_LO = 0x84222325;
const PRIME_LO = 0x1b3;

/** 2³²: positions are in [0, POSITION_SPAN). */
export const POSITION_SPAN = 4_294_967_296;

interface FnvState {
  hi: number;
  lo: number;
}

/** h ← (h ^ byte) · (2⁴⁰ + 0x1b3) mod 2⁶⁴, on the two halves. */
function step(state: FnvState, byte: number): void {
  const lo = (state.lo ^ byte) >>> 0;
  // lo · 0x1b3 < 2⁴¹ and hi · 0x1b3 < 2⁴¹: exact in a double.
  const loProduct = lo * PRIME_LO;
  const carry = Math.floor(loProduct / POSITION_SPAN);
  // h · 2⁴⁰ adds lo's low 24 bits, shifted by 8, to the high half.
  const shifted = ((lo & 0xffffff) << 8) >>> 0;
  state.hi = (state.hi * PRIME_LO + carry + shifted) >>> 0;
  state.lo = loProduct >>> 0;
}

/** Feeds the UTF-8 encoding of `text` (a lone surrogate as U+FFFD, like TextEncoder). */
function feed(state: FnvState, text: string): void {
  for (let i = 0; i < text.length; i += 1) {
    let code = text.charCodeAt(i);
    if (code < 0x80) {
      step(state, code);
      continue;
    }
    if (code < 0x800) {
      step(state, 0xc0 | (code >> 6));
      step(state, 0x80 | (code & 0x3f));
      continue;
    }
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
        i += 1;
        step(state, 0xf0 | (code >> 18));
        step(state, 0x80 | ((code >> 12) & 0x3f));
        step(state, 0x80 | ((code >> 6) & 0x3f));
        step(state, 0x80 | (code & 0x3f));
        continue;
      }
      code = 0xfffd;
    }
    step(state, 0xe0 | (code >> 12));
    step(state, 0x80 | ((code >> 6) & 0x3f));
    step(state, 0x80 | (code & 0x3f));
  }
}

/** MurmurHash3's 32-bit finaliser: every input bit affects every output bit. */
function fmix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The 64-bit FNV-1a of model, 0, request id, as [high, low] unsigned 32-bit halves. */
export function fnv1a64(model: string, requestId: string): [number, number] {
  const state: FnvState = { hi: OFFSET_HI, lo: OFFSET_LO };
  feed(state, model);
  step(state, 0);
  feed(state, requestId);
  return [state.hi, state.lo];
}

/** The record's position in [0, 2³²). */
export function samplePosition(model: string, requestId: string): number {
  const [hi, lo] = fnv1a64(model, requestId);
  return fmix32(hi ^ fmix32(lo));
}

/** Whether the record is in the raw sample at `fraction` (1 keeps everything). */
export function inRawSample(model: string, requestId: string, fraction: number): boolean {
  if (fraction >= 1) return true;
  return samplePosition(model, requestId) < fraction * POSITION_SPAN;
}
