import { describe, expect, it } from 'vitest';
import {
  applyTagOp,
  findReplace,
  formatTags,
  parseTags,
  tagFrequency,
  type TagOp,
} from '../../src-main/dataset/tags';

describe('tag view', () => {
  it('parses trimmed non-empty tags and formats them kohya-style', () => {
    expect(parseTags('  cat , red hat,, ,blue sky ')).toEqual(['cat', 'red hat', 'blue sky']);
    expect(formatTags(['cat', 'red hat'])).toBe('cat, red hat');
    expect(parseTags('')).toEqual([]);
  });
});

const OPS: [string, TagOp, string][] = [
  ['cat, dog', { kind: 'add', tag: 'fox' }, 'cat, dog, fox'],
  ['cat, dog', { kind: 'add', tag: ' fox ', at: 'start' }, 'fox, cat, dog'],
  ['cat,dog', { kind: 'add', tag: 'dog' }, 'cat,dog'], // already there: text untouched
  ['cat, dog, cat', { kind: 'remove', tag: 'cat' }, 'dog'],
  ['cat, dog', { kind: 'replace', from: 'dog', to: 'fox' }, 'cat, fox'],
  ['cat, dog', { kind: 'replace', from: 'dog', to: 'cat' }, 'cat'], // merging keeps one
  ['a cat on a mat', { kind: 'findReplace', find: 'a ', replace: 'the ' }, 'the cat on the mat'],
  ['cat1, cat22', { kind: 'findReplace', find: 'cat(\\d+)', replace: 'n$1', regex: true }, 'n1, n22'],
  ['CAT, cat', { kind: 'findReplace', find: 'cat', replace: 'dog', regex: true, flags: 'i' }, 'dog, dog'],
  ['cat, sks, dog', { kind: 'prependTrigger', trigger: 'sks' }, 'sks, cat, dog'],
  ['zed, b, a, b', { kind: 'sortDedupe' }, 'a, b, zed'],
  ['sks, zed, a, zed', { kind: 'sortDedupe', keepFirst: 1 }, 'sks, a, zed'],
  ['zed, a, zed', { kind: 'sortDedupe', sort: false }, 'zed, a'],
  ['old', { kind: 'set', caption: 'new text' }, 'new text'],
];

describe('applyTagOp', () => {
  it.each(OPS)('%s with %j → %s', (caption, op, expected) => {
    expect(applyTagOp(caption, op)).toBe(expected);
  });

  it('throws on a bad regex', () => {
    expect(() => applyTagOp('x', { kind: 'findReplace', find: '(', replace: '', regex: true })).toThrow(
      SyntaxError,
    );
  });
});

describe('findReplace', () => {
  it('replaces every plain occurrence, regex specials taken literally', () => {
    expect(findReplace('a.b.c', '.', '-', false)).toBe('a-b-c');
    expect(findReplace('abc', '', 'x', false)).toBe('abc');
  });
});

describe('tagFrequency', () => {
  it('counts captions per tag, most frequent first, ties alphabetical', () => {
    expect(tagFrequency(['cat, hat, cat', 'hat', 'bee, cat'])).toEqual([
      { tag: 'cat', count: 2 },
      { tag: 'hat', count: 2 },
      { tag: 'bee', count: 1 },
    ]);
  });
});
