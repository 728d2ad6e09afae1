import { describe, expect, it } from 'vitest';
import { trainingCaption } from '../../src-main/dataset/caption-options';
import { seededRng, shuffled } from '../../src-main/random';

const CAPTION = 'sks, cat, red hat, blue sky, grass, tree';

describe('trainingCaption', () => {
  it('passes the caption through untouched with no options', () => {
    expect(trainingCaption(' odd ,spacing', {}, seededRng(1))).toBe(' odd ,spacing');
  });

  it('shuffles all but the first keepTokens tags, reproducibly per seed', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      const out = trainingCaption(CAPTION, { shuffleTags: true, keepTokens: 1 }, seededRng(seed));
      expect(out.startsWith('sks, ')).toBe(true);
      expect(out.split(', ').sort()).toEqual(CAPTION.split(', ').sort());
      seen.add(out);
    }
    expect(seen.size).toBeGreaterThan(5);
    const a = trainingCaption(CAPTION, { shuffleTags: true }, seededRng(9));
    expect(trainingCaption(CAPTION, { shuffleTags: true }, seededRng(9))).toBe(a);
  });

  it('drops whole captions at about the given rate', () => {
    const rng = seededRng(5);
    let empty = 0;
    for (let i = 0; i < 2000; i++)
      if (trainingCaption(CAPTION, { captionDropout: 0.25 }, rng) === '') empty++;
    expect(empty / 2000).toBeGreaterThan(0.2);
    expect(empty / 2000).toBeLessThan(0.3);
  });

  it('drops tags but never kept ones', () => {
    const rng = seededRng(11);
    let kept = 0;
    for (let i = 0; i < 500; i++) {
      const tags = trainingCaption(CAPTION, { tagDropout: 0.5, keepTokens: 2 }, rng).split(', ');
      expect(tags.slice(0, 2)).toEqual(['sks', 'cat']);
      kept += tags.length - 2;
    }
    expect(kept / 500).toBeGreaterThan(1.7);
    expect(kept / 500).toBeLessThan(2.3);
  });
});

describe('shuffled', () => {
  it('returns a permutation and leaves the input alone', () => {
    const input = [1, 2, 3, 4, 5];
    const out = shuffled(input, seededRng(3));
    expect([...out].sort()).toEqual(input);
    expect(input).toEqual([1, 2, 3, 4, 5]);
  });
});
