// Multi-select the way file managers do it: click selects one, Ctrl/Cmd-click toggles, Shift-click selects
// the range from the anchor. Pure functions over ids, so the grid and the tests share one behaviour.

export interface Selection {
  /** Selected ids (dataset-relative image paths). */
  ids: ReadonlySet<string>;
  /** Where the next Shift range starts. */
  anchor: string | null;
}

export const EMPTY_SELECTION: Selection = { ids: new Set(), anchor: null };

export interface ClickModifiers {
  shift: boolean;
  /** Ctrl, or Cmd on macOS. */
  toggle: boolean;
}

/**
 * The selection after clicking `id` in the ordered `order` (the filtered grid as shown).
 * @example clickSelect(EMPTY_SELECTION, ['a', 'b', 'c'], 'b', { shift: false, toggle: false }).ids // Set { 'b' }
 */
export function clickSelect(
  current: Selection,
  order: readonly string[],
  id: string,
  mods: ClickModifiers,
): Selection {
  if (mods.shift && current.anchor !== null) {
    const from = order.indexOf(current.anchor);
    const to = order.indexOf(id);
    if (from >= 0 && to >= 0) {
      const range = order.slice(Math.min(from, to), Math.max(from, to) + 1);
      const base = mods.toggle ? current.ids : new Set<string>();
      return { ids: new Set([...base, ...range]), anchor: current.anchor };
    }
  }
  if (mods.toggle) {
    const ids = new Set(current.ids);
    if (ids.has(id)) ids.delete(id);
    else ids.add(id);
    return { ids, anchor: id };
  }
  return { ids: new Set([id]), anchor: id };
}

/** Keeps only ids still present (after a re-list or a filter change). */
export function pruneSelection(current: Selection, stillThere: Iterable<string>): Selection {
  const present = new Set(stillThere);
  const ids = new Set([...current.ids].filter((id) => present.has(id)));
  const anchor = current.anchor !== null && present.has(current.anchor) ? current.anchor : null;
  return ids.size === current.ids.size && anchor === current.anchor ? current : { ids, anchor };
}

/** @example selectAll(['a', 'b']).ids.size // 2 */
export function selectAll(order: readonly string[]): Selection {
  return { ids: new Set(order), anchor: order[0] ?? null };
}
