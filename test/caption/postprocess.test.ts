// Tagger postprocessing against hand-computed expectations: thresholds per category, ordering, rating,
// underscores and kaomoji, exclusions; and the label file parser.
import { describe, expect, it } from 'vitest';
import { parseSelectedTags, type TagLabel } from '../../src-main/caption/wd-tagger/labels';
import { displayTag, selectTags } from '../../src-main/caption/wd-tagger/postprocess';

const labels: TagLabel[] = [
  { name: 'general', category: 'rating' },
  { name: 'sensitive', category: 'rating' },
  { name: '1girl', category: 'general' },
  { name: 'long_hair', category: 'general' },
  { name: 'smile', category: 'general' },
  { name: '^_^', category: 'general' },
  { name: 'hatsune_miku', category: 'character' },
  { name: 'kagamine_rin', category: 'character' },
];
//                         general sens  1girl long  smile ^_^   miku  rin
const scores = new Float32Array([0.2, 0.7, 0.5, 0.9, 0.34, 0.36, 0.86, 0.84]);

describe('selectTags', () => {
  it('keeps characters ≥ 0.85 then general tags ≥ 0.35, each by descending score, with spaces', () => {
    // miku 0.86 ≥ 0.85 (rin 0.84 is not); long_hair 0.9, 1girl 0.5, ^_^ 0.36; smile 0.34 out.
    expect(selectTags(scores, labels)).toEqual(['hatsune miku', 'long hair', '1girl', '^_^']);
  });

  it('keeps a score equal to the threshold', () => {
    expect(selectTags(scores, labels, { generalThreshold: 0.5 })).toEqual([
      'hatsune miku',
      'long hair',
      '1girl',
    ]);
  });

  it('moves each threshold independently', () => {
    expect(selectTags(scores, labels, { generalThreshold: 0.6, characterThreshold: 0.8 })).toEqual([
      'hatsune miku',
      'kagamine rin',
      'long hair',
    ]);
  });

  it('adds the most likely rating last only when asked', () => {
    expect(selectTags(scores, labels, { generalThreshold: 0.8, rating: true })).toEqual([
      'hatsune miku',
      'long hair',
      'sensitive',
    ]);
  });

  it('drops excluded tags written either way, and can keep underscores', () => {
    expect(selectTags(scores, labels, { exclude: ['long_hair', 'hatsune miku'] })).toEqual(['1girl', '^_^']);
    expect(selectTags(scores, labels, { underscoresToSpaces: false })).toEqual([
      'hatsune_miku',
      'long_hair',
      '1girl',
      '^_^',
    ]);
  });

  it('breaks score ties by label order and refuses a score count that does not match the labels', () => {
    const tie = new Float32Array([0, 0, 0.5, 0.5, 0, 0, 0, 0]);
    expect(selectTags(tie, labels)).toEqual(['1girl', 'long hair']);
    expect(() => selectTags(new Float32Array(3), labels)).toThrow(/3 scores but the label file has 8 tags/);
  });

  it('keeps the underscores of kaomoji only', () => {
    expect(displayTag('o_o')).toBe('o_o');
    expect(displayTag('open_mouth')).toBe('open mouth');
  });
});

describe('parseSelectedTags', () => {
  it('reads name and category by header, quoted names included', () => {
    const csv =
      '\ufefftag_id,name,category,count\r\n9999999,general,9,807\r\n1,"a,b ""c""",0,5\r\n2,hatsune_miku,4,3\r\n3,touhou,3,9\r\n';
    expect(parseSelectedTags(csv, 'tags.csv')).toEqual([
      { name: 'general', category: 'rating' },
      { name: 'a,b "c"', category: 'general' },
      { name: 'hatsune_miku', category: 'character' },
      { name: 'touhou', category: 'general' },
    ]);
  });

  it('names the file when it is not a label file', () => {
    expect(() => parseSelectedTags('foo,bar\n1,2', '/m/selected_tags.csv')).toThrow(
      /\/m\/selected_tags.csv: not a WD tagger label file/,
    );
    expect(() => parseSelectedTags('tag_id,name,category,count\n1', '/m/t.csv')).toThrow(/t.csv line 2/);
  });
});
