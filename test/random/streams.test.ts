import { describe, expect, it } from 'vitest';
import { streamNormal, streamRng, streamSeed } from '../../src-main/random';

describe('counter-based streams', () => {
  it('depend only on (seed, stream, counters)', () => {
    expect(streamSeed(1, 'noise', 5, 0)).toBe(streamSeed(1, 'noise', 5, 0));
    const seeds = new Set([
      streamSeed(1, 'noise', 5, 0),
      streamSeed(1, 'noise', 5, 1),
      streamSeed(1, 'noise', 6, 0),
      streamSeed(2, 'noise', 5, 0),
      streamSeed(1, 'timestep', 5, 0),
    ]);
    expect(seeds.size).toBe(5);
    expect(Array.from(streamNormal(8, 3, 'noise', 7))).toEqual(Array.from(streamNormal(8, 3, 'noise', 7)));
    const a = streamRng(3, 'order', 0);
    const b = streamRng(3, 'order', 0);
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
  });

  it('gives roughly standard normal noise', () => {
    const x = streamNormal(20000, 9, 'noise', 0);
    const mean = x.reduce((s, v) => s + v, 0) / x.length;
    const variance = x.reduce((s, v) => s + (v - mean) ** 2, 0) / x.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });
});
