import { describe, expect, it } from 'vitest';
import { gridOf } from '../../../../src-renderer/lib/state/gallery.svelte';
import { splitWords } from '../../../../src-renderer/lib/state/export.svelte';
import { formatDuration, MAX_POINTS, thin } from '../../../../src-renderer/lib/state/training.svelte';

describe('renderer helpers for training, gallery and export', () => {
  it('gridOf puts samples in checkpoint rows and prompt columns', () => {
    const s = (step: number, index: number) => ({
      step,
      index,
      prompt: `p${index}`,
      path: `/r/${step}-${index}.png`,
    });
    const grid = gridOf([s(200, 1), s(100, 0), s(100, 1), s(200, 0)]);
    expect(grid.steps).toEqual([100, 200]);
    expect(grid.prompts).toEqual(['p0', 'p1']);
    expect(grid.cells.get('1:0')?.path).toBe('/r/200-0.png');
    expect(grid.cells.get('0:1')?.path).toBe('/r/100-1.png');
  });

  it('splitWords trims and drops empties', () => {
    expect(splitWords(' ink, sketch ,, ')).toEqual(['ink', 'sketch']);
  });

  it('formatDuration reads like a clock', () => {
    expect(formatDuration(12)).toBe('12 s');
    expect(formatDuration(185)).toBe('3 min 05 s');
    expect(formatDuration(3725)).toBe('1 h 02 min');
    expect(formatDuration(Infinity)).toBe('—');
  });

  it('thin keeps charts bounded and keeps the newest point', () => {
    const pts = Array.from({ length: MAX_POINTS + 2 }, (_, i) => i);
    const out = thin(pts);
    expect(out.length).toBeLessThanOrEqual(MAX_POINTS / 2 + 2);
    expect(out[out.length - 1]).toBe(MAX_POINTS + 1);
    expect(thin([1, 2, 3])).toEqual([1, 2, 3]);
  });
});
