// Every number the random module draws must stay what the code drew before the generators had one home: exact
// resume and saved seeds depend on it. test/fixtures/random/pre-unification.json was produced by the
// pre-unification code (dataset/rng.ts, train/rng.ts, sample/noise.ts, dataset/caption-options.ts' shuffle)
// at commit 3df10196065125f0633fcadad8d9fefb9779dda2; every comparison is exact.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  MT19937,
  TorchCpuGenerator,
  randn,
  randomInt,
  seededRng,
  shuffled,
  streamNormal,
  streamRng,
  streamSeed,
  type StreamName,
} from '../../src-main/random';

interface Fixture {
  seededRng: { seed: number; values: number[] }[];
  randomInt: { seed: number; lo: number; hi: number; values: number[] }[];
  shuffled: { seed: number; values: number[] }[];
  mt19937: { seed: number; values: number[] }[];
  torchRandn: { seed: number; counts: number[]; values: number[][] }[];
  randn: { seed: string; shape: number[]; values: number[] }[];
  streams: {
    stream: StreamName;
    seed: number;
    counters: number[];
    streamSeed: string;
    streamRng: number[];
    streamNormal: number[];
  }[];
}

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/random/pre-unification.json', import.meta.url), 'utf8'),
) as Fixture;

const take = (rng: () => number, n: number) => Array.from({ length: n }, () => rng());

describe('random numbers equal the pre-unification code bit for bit', () => {
  it('seededRng (mulberry32) and randomInt', () => {
    for (const c of fixture.seededRng) expect(take(seededRng(c.seed), c.values.length)).toEqual(c.values);
    for (const c of fixture.randomInt) {
      const rng = seededRng(c.seed);
      expect(c.values.map(() => randomInt(rng, c.lo, c.hi))).toEqual(c.values);
    }
  });

  it('shuffled (Fisher–Yates)', () => {
    const items = Array.from({ length: 20 }, (_, i) => i);
    for (const c of fixture.shuffled) expect(shuffled(items, seededRng(c.seed))).toEqual(c.values);
  });

  it('MT19937 across a twist (draws 0–19 and 620–699)', () => {
    for (const c of fixture.mt19937) {
      const mt = new MT19937(c.seed);
      const all = Array.from({ length: 700 }, () => mt.nextU32());
      expect(all.filter((_, i) => i < 20 || i >= 620)).toEqual(c.values);
    }
  });

  it('TorchCpuGenerator.randn: scalar path, 16-wide path, tail redraw, cached normal', () => {
    for (const c of fixture.torchRandn) {
      const g = new TorchCpuGenerator(c.seed);
      expect(c.counts.map((n) => Array.from(g.randn(n)))).toEqual(c.values);
    }
    for (const c of fixture.randn) expect(Array.from(randn(BigInt(c.seed), c.shape))).toEqual(c.values);
  });

  it('training streams: streamSeed, streamRng, streamNormal', () => {
    for (const c of fixture.streams) {
      expect(streamSeed(c.seed, c.stream, ...c.counters).toString()).toBe(c.streamSeed);
      expect(take(streamRng(c.seed, c.stream, ...c.counters), c.streamRng.length)).toEqual(c.streamRng);
      expect(Array.from(streamNormal(c.streamNormal.length, c.seed, c.stream, ...c.counters))).toEqual(
        c.streamNormal,
      );
    }
  });
});
