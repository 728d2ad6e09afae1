// Counter-based randomness: every draw of a run is a pure function of (seed, stream, counters), so a run
// resumed at step s draws exactly what an uninterrupted run draws at step s — the RNG "state" is the step.
import { TorchCpuGenerator } from './torch-cpu';
import { seededRng, type Rng } from './uniform';

/** The independent random streams of a training run. */
export const STREAMS = { order: 1, noise: 2, timestep: 3, offset: 4, data: 5, init: 6 } as const;
export type StreamName = keyof typeof STREAMS;

const MASK = (1n << 64n) - 1n;

/** splitmix64 finaliser: spreads nearby counters to unrelated 64-bit seeds. */
function mix64(x: bigint): bigint {
  let z = (x + 0x9e3779b97f4a7c15n) & MASK;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK;
  return z ^ (z >> 31n);
}

/**
 * A 64-bit seed for one stream at one position.
 * @example streamSeed(42, 'noise', 10, 0) !== streamSeed(42, 'noise', 11, 0)
 */
export function streamSeed(seed: number, stream: StreamName, ...counters: number[]): bigint {
  let h = mix64(BigInt(seed) ^ (BigInt(STREAMS[stream]) << 56n));
  for (const c of counters) h = mix64(h ^ BigInt(c));
  return h;
}

/** Uniform numbers for one stream position. */
export function streamRng(seed: number, stream: StreamName, ...counters: number[]): Rng {
  return seededRng(Number(streamSeed(seed, stream, ...counters) & 0xffffffffn));
}

/** Standard normal values for one stream position (torch's CPU generator, seeded per position). */
export function streamNormal(
  count: number,
  seed: number,
  stream: StreamName,
  ...counters: number[]
): Float32Array {
  return new TorchCpuGenerator(streamSeed(seed, stream, ...counters)).randn(count);
}
