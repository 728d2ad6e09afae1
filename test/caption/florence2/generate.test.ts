import { describe, expect, it } from 'vitest';
import {
  applyRules,
  beamDecode,
  greedyDecode,
  repeatedNgramEndings,
  type DecodeSettings,
  type NextTokenScorer,
} from '../../../src-main/caption/florence2/generate';

const plain: DecodeSettings = {
  decoderStartId: 2,
  eosId: 2,
  forcedBosId: null,
  forcedEosId: null,
  noRepeatNgram: 0,
  lengthPenalty: 1,
  maxNewTokens: 5,
};

/** A scorer from a table of next-token probabilities per sequence (vocabulary 0–3, eos = 2). */
function tableScorer(
  table: Record<string, number[]>,
  calls: { rows: number[][]; parents: number[] }[] = [],
): NextTokenScorer {
  return async (rows, parents) => {
    calls.push({ rows: rows.map((r) => [...r]), parents: [...parents] });
    return rows.map((r) => {
      const p = table[r.join(',')];
      if (!p) throw new Error(`no scores for ${r.join(',')}`);
      return Float32Array.from(p, Math.log);
    });
  };
}

describe('repeatedNgramEndings', () => {
  it('bans tokens that would repeat an n-gram already in the row', () => {
    // 3-grams of [5,6,7,5,6]: the row ends in "5 6", which was followed by 7 before.
    expect(repeatedNgramEndings([5, 6, 7, 5, 6], 3)).toEqual([7]);
    expect(repeatedNgramEndings([5, 6, 7, 5, 6], 0)).toEqual([]);
    expect(repeatedNgramEndings([5, 5], 2)).toEqual([5]);
  });
});

describe('applyRules', () => {
  it('forces <s> first and </s> at the last allowed token', () => {
    const s = { ...plain, forcedBosId: 0, forcedEosId: 2, maxNewTokens: 3 };
    const first = Float32Array.of(1, 5, 3, 2);
    applyRules(first, [2], s);
    expect([...first]).toEqual([0, -Infinity, -Infinity, -Infinity]);
    const last = Float32Array.of(1, 5, 3, 2);
    applyRules(last, [2, 0, 1], s);
    expect([...last]).toEqual([-Infinity, -Infinity, 0, -Infinity]);
    const middle = Float32Array.of(1, 5, 3, 2);
    applyRules(middle, [2, 0], s);
    expect([...middle]).toEqual([1, 5, 3, 2]);
  });
});

// Hand-checked: after the start, A=1 (0.5) beats B=3 (0.4); A is then best followed by </s> (0.4), total 0.20,
// but B then </s> (0.9) totals 0.36. Greedy returns A </s>; two beams find B </s>.
const TABLE: Record<string, number[]> = {
  '2': [0, 0.5, 0.1, 0.4],
  '2,1': [0.3, 0, 0.4, 0.3],
  '2,3': [0.05, 0.05, 0.9, 0],
};

describe('greedyDecode', () => {
  it('takes the best token each step and stops at </s>', async () => {
    expect(await greedyDecode(tableScorer(TABLE), plain)).toEqual([1, 2]);
  });

  it('stops at maxNewTokens without </s>', async () => {
    const table = { '2': [0.1, 0.9, 0, 0], '2,1': [0.9, 0.1, 0, 0], '2,1,0': [0, 0.9, 0.1, 0] };
    expect(await greedyDecode(tableScorer(table), { ...plain, maxNewTokens: 3 })).toEqual([1, 0, 1]);
  });
});

describe('beamDecode', () => {
  it('finds the sequence greedy misses, reordering rows by parent', async () => {
    const calls: { rows: number[][]; parents: number[] }[] = [];
    expect(await beamDecode(tableScorer(TABLE, calls), plain, 2)).toEqual([3, 2]);
    // Step 1: two equal rows (only row 0 expands); step 2: A and B, both from row 0; then both finished.
    expect(calls).toEqual([
      { rows: [[2], [2]], parents: [0, 1] },
      {
        rows: [
          [2, 1],
          [2, 3],
        ],
        parents: [0, 0],
      },
    ]);
  });

  it('earlyStopping ends at the first `beams` finished sequences; otherwise a better longer one can win', async () => {
    // Hand-checked, two beams: step 1 finishes "</s>" (score ln .5 = −0.69) and keeps A, B; step 2 finishes
    // "B </s>" (ln .18 / 2 = −0.86) and keeps "A 0" (ln .297 / 2 = −0.61, still better than −0.86); step 3
    // finishes "A 0 </s>" (ln .294 / 3 = −0.41), the best of all.
    const table = {
      '2': [0, 0.3, 0.5, 0.2],
      '2,1': [0.99, 0, 0.01, 0],
      '2,3': [0, 0.1, 0.9, 0],
      '2,1,0': [0.01, 0, 0.99, 0],
      '2,3,1': [0.5, 0, 0.5, 0],
    };
    expect(await beamDecode(tableScorer(table), { ...plain, earlyStopping: true }, 2)).toEqual([2]);
    expect(await beamDecode(tableScorer(table), plain, 2)).toEqual([1, 0, 2]);
  });

  it('with one beam is greedy', async () => {
    expect(await beamDecode(tableScorer(TABLE), plain, 1)).toEqual([1, 2]);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(beamDecode(tableScorer(TABLE), plain, 2, controller.signal)).rejects.toThrow(/abort/i);
  });
});
