/**
 * A small seeded pseudo-random generator for tests, benchmarks and demos.
 * Pure code never uses Math.random: whoever needs randomness creates one of
 * these from a seed and passes it in, so every run can be replayed.
 *
 * Generator: xoshiro128** (Blackman & Vigna 2018), state seeded by splitmix32.
 * Normal deviates: Box–Muller (Box & Muller 1958).
 */

export interface SeededRandom {
  /** Uniform on [0, 1), 32 bits of resolution. */
  next(): number;
  /** Standard normal deviate. */
  normal(): number;
}

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Creates a generator from an integer seed; equal seeds give equal streams. */
export function createRandom(seed: number): SeededRandom {
  const init = splitmix32(seed);
  let s0 = init();
  let s1 = init();
  let s2 = init();
  let s3 = init();
  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  };
  let spare: number | null = null;
  const next = (): number => nextUint32() / 4294967296;
  return {
    next,
    normal(): number {
      if (spare !== null) {
        const value = spare;
        spare = null;
        return value;
      }
      // 1 − u lies in (0, 1], so the logarithm is finite.
      const radius = Math.sqrt(-2 * Math.log(1 - next()));
      const angle = 2 * Math.PI * next();
      spare = radius * Math.sin(angle);
      return radius * Math.cos(angle);
    },
  };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
