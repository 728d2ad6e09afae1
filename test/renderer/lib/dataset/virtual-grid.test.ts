// The virtual grid's arithmetic: bounded windows for any dataset size, true scroll height, keyboard steps.
import { describe, expect, it } from 'vitest';
import { gridWindow, keyStep, scrollToRow } from '../../../../src-renderer/lib/dataset/virtual-grid';

const base = {
  width: 800,
  viewportHeight: 600,
  scrollTop: 0,
  minCellWidth: 160,
  rowHeight: 200,
  overscan: 2,
};

describe('gridWindow', () => {
  it('renders only the visible rows plus overscan, however many items there are', () => {
    for (const itemCount of [5000, 50_000]) {
      const w = gridWindow({ ...base, itemCount });
      expect(w.columns).toBe(5);
      expect(w.totalHeight).toBe(Math.ceil(itemCount / 5) * 200);
      expect([w.start, w.end]).toEqual([0, 30]); // 3 visible + 1 partial + 2 overscan rows, ×5
    }
  });

  it('follows the scroll position, keeping overscan rows above', () => {
    const w = gridWindow({ ...base, itemCount: 5000, scrollTop: 100_000 });
    expect(w.offsetTop).toBe(498 * 200);
    expect(w.start).toBe(498 * 5);
    expect(w.end - w.start).toBe(40);
  });

  it('clamps at the ends and handles tiny and empty grids', () => {
    const end = gridWindow({ ...base, itemCount: 12, scrollTop: 99_999 });
    expect(end.end).toBe(12);
    expect(end.start).toBeLessThan(12);
    expect(gridWindow({ ...base, itemCount: 0 })).toMatchObject({ start: 0, end: 0, totalHeight: 0 });
    expect(gridWindow({ ...base, itemCount: 3, width: 10 }).columns).toBe(1);
  });
});

describe('scrollToRow and keyStep', () => {
  it('scrolls just enough to show a row', () => {
    expect(scrollToRow(10, 200, 0, 600)).toBe(1600);
    expect(scrollToRow(1, 200, 0, 600)).toBe(0);
    expect(scrollToRow(0, 200, 400, 600)).toBe(0);
  });

  it('maps arrow, page and home/end keys to item steps', () => {
    expect(keyStep('ArrowDown', 5, 3, 100)).toBe(5);
    expect(keyStep('ArrowLeft', 5, 3, 100)).toBe(-1);
    expect(keyStep('PageUp', 5, 3, 100)).toBe(-15);
    expect(keyStep('End', 5, 3, 100)).toBe(100);
    expect(keyStep('x', 5, 3, 100)).toBeNull();
  });
});
