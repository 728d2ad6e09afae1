// Seeded uniform numbers for training-time choices (crop offsets, flips, tag shuffle, dropout, batch order).
// mulberry32: small, fast, reproducible.

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

/** Fisher–Yates on a copy. Example: `shuffled([1, 2, 3], seededRng(7))`. */
export function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
