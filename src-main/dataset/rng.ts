// Seeded random numbers for training-time dataset choices (crop offsets, tag shuffle, dropout).
// mulberry32: small, fast, reproducible; `dataset/` sits above `train/`, so it keeps its own.

/** A source of uniform numbers in [0, 1). `Math.random` fits; tests pass a seeded one. */
export type Rng = () => number;

/** A reproducible Rng from a 32-bit seed. Example: `const rng = seededRng(42); rng()`. */
export function seededRng(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform integer in [lo, hi], both inclusive. Example: `randomInt(rng, 0, 10)`. */
export function randomInt(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}
