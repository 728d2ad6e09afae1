// Grid filters and the client-side tag counts, which must agree with dataset/tags.ts on real captions.
import { describe, expect, it } from 'vitest';
import type { DatasetImage } from '../../../../src-main/api/contract';
import { tagFrequency } from '../../../../src-main/dataset/tags';
import { countTags, filterImages, splitTags } from '../../../../src-renderer/lib/dataset/filter';

function image(rel: string, caption: string): DatasetImage {
  return {
    rel,
    path: `/p/dataset/${rel}`,
    caption,
    tags: splitTags(caption),
    width: 512,
    height: 512,
    repeats: 1,
    hash: rel,
    bucket: { width: 512, height: 512 },
    crop: { left: 0, top: 0, width: 512, height: 512 },
    problem: null,
  };
}

const images = [
  image('cat.png', 'cat, ink'),
  image('dog.png', ''),
  image('fox.png', 'fox, ink, ink'),
  image('x.png', '  '),
];

describe('dataset filters', () => {
  it('filters by uncaptioned, by tag and by search text', () => {
    const rels = (list: DatasetImage[]): string[] => list.map((i) => i.rel);
    expect(rels(filterImages(images, { kind: 'all' }, ''))).toHaveLength(4);
    expect(rels(filterImages(images, { kind: 'uncaptioned' }, ''))).toEqual(['dog.png', 'x.png']);
    expect(rels(filterImages(images, { kind: 'tag', tag: 'ink' }, ''))).toEqual(['cat.png', 'fox.png']);
    expect(rels(filterImages(images, { kind: 'tag', tag: 'ink' }, 'FOX'))).toEqual(['fox.png']);
  });

  it('counts tags exactly as the core does', () => {
    expect(countTags(images)).toEqual(tagFrequency(images.map((i) => i.caption)));
    expect(countTags(images)[0]).toEqual({ tag: 'ink', count: 2 });
  });
});
