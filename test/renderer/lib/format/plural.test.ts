import { describe, expect, it } from 'vitest';
import { plural } from '../../../../src-renderer/lib/format/plural';

describe('plural', () => {
  it('says one thing in the singular and every other count in the plural', () => {
    expect(plural(1, 'bucket')).toBe('1 bucket');
    expect(plural(0, 'bucket')).toBe('0 buckets');
    expect(plural(3, 'image')).toBe('3 images');
    expect(plural(2, 'batch', 'batches')).toBe('2 batches');
  });
});
