// Multi-select rules: click, Ctrl-click toggles, Shift-click ranges from the anchor, pruning after re-lists.
import { describe, expect, it } from 'vitest';
import {
  clickSelect,
  EMPTY_SELECTION,
  pruneSelection,
  selectAll,
} from '../../../../src-renderer/lib/dataset/selection';

const order = ['a', 'b', 'c', 'd', 'e'];
const plain = { shift: false, toggle: false };
const ids = (s: { ids: ReadonlySet<string> }): string[] => [...s.ids].sort();

describe('selection', () => {
  it('click selects one, ctrl-click toggles, shift-click selects a range', () => {
    const one = clickSelect(EMPTY_SELECTION, order, 'b', plain);
    expect(ids(one)).toEqual(['b']);
    const two = clickSelect(one, order, 'd', { shift: false, toggle: true });
    expect(ids(two)).toEqual(['b', 'd']);
    expect(ids(clickSelect(two, order, 'b', { shift: false, toggle: true }))).toEqual(['d']);
    const range = clickSelect(one, order, 'e', { shift: true, toggle: false });
    expect(ids(range)).toEqual(['b', 'c', 'd', 'e']);
    expect(range.anchor).toBe('b');
    expect(ids(clickSelect(range, order, 'a', { shift: true, toggle: false }))).toEqual(['a', 'b']);
  });

  it('ctrl+shift adds a range to what is selected', () => {
    const start = clickSelect(clickSelect(EMPTY_SELECTION, order, 'a', plain), order, 'd', {
      shift: false,
      toggle: true,
    });
    expect(ids(clickSelect(start, order, 'e', { shift: true, toggle: true }))).toEqual(['a', 'd', 'e']);
  });

  it('prunes vanished ids and selects all', () => {
    const all = selectAll(order);
    expect(ids(pruneSelection(all, new Set(['a', 'c'])))).toEqual(['a', 'c']);
    expect(pruneSelection(all, new Set(order))).toBe(all);
    expect(pruneSelection(all, new Set(['c'])).anchor).toBeNull();
  });
});
