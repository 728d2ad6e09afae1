import { describe, expect, it } from 'vitest';
import { combineCaption } from '../../src-main/caption/apply';

describe('combineCaption', () => {
  it('replace writes the trigger word then the generated tags', () => {
    expect(combineCaption('old, tags', 'cat, sky', 'replace', 'inkstyle')).toBe('inkstyle, cat, sky');
  });

  it('append keeps what is there and adds only the tags it lacks, trigger word first and once', () => {
    expect(combineCaption('ink, inkstyle, cat', 'cat, sky', 'append', 'inkstyle')).toBe(
      'inkstyle, ink, cat, sky',
    );
    expect(combineCaption('', 'cat', 'append')).toBe('cat');
  });

  it('fill-empty writes only where the caption is empty or blank', () => {
    expect(combineCaption('mine', 'cat', 'fill-empty', 'p')).toBeNull();
    expect(combineCaption('  \n', 'cat', 'fill-empty', 'p')).toBe('p, cat');
  });

  it('a generated sentence stays whole', () => {
    expect(combineCaption('', 'A cat on a mat.', 'replace', 'inkstyle')).toBe('inkstyle, A cat on a mat.');
  });
});
