// Which cells of a fixed-size grid are on screen: the arithmetic behind the virtualized thumbnail grid, so
// only visible rows (plus a little overscan) ever exist in the DOM, whether the dataset has 50 or 50,000 images.

export interface GridMetrics {
  itemCount: number;
  /** Width available for cells, in px. */
  width: number;
  /** Height of the scrolling viewport, in px. */
  viewportHeight: number;
  scrollTop: number;
  /** Smallest cell width; columns stretch to fill the row. */
  minCellWidth: number;
  /** Height of one row, in px (cells are square-ish plus a label). */
  rowHeight: number;
  /** Extra rows rendered above and below the viewport, so fast scrolling shows no gaps. */
  overscan?: number;
}

export interface GridWindow {
  columns: number;
  rows: number;
  /** Index of the first and one past the last item to render. */
  start: number;
  end: number;
  /** Offset of the first rendered row, in px. */
  offsetTop: number;
  /** Height of the whole grid, so the scrollbar is true. */
  totalHeight: number;
}

/**
 * @example gridWindow({ itemCount: 5000, width: 800, viewportHeight: 600, scrollTop: 0, minCellWidth: 160, rowHeight: 190 })
 * // { columns: 5, rows: 1000, start: 0, end: 30, offsetTop: 0, totalHeight: 190000 }
 */
export function gridWindow(m: GridMetrics): GridWindow {
  const columns = Math.max(1, Math.floor(m.width / m.minCellWidth));
  const rows = Math.ceil(m.itemCount / columns);
  const overscan = m.overscan ?? 2;
  const firstVisible = Math.floor(Math.max(0, m.scrollTop) / m.rowHeight);
  const visibleRows = Math.ceil(Math.max(m.viewportHeight, m.rowHeight) / m.rowHeight) + 1;
  const firstRow = Math.max(0, Math.min(firstVisible - overscan, rows - 1));
  const lastRow = Math.min(rows, firstVisible + visibleRows + overscan);
  return {
    columns,
    rows,
    start: Math.min(m.itemCount, firstRow * columns),
    end: Math.min(m.itemCount, lastRow * columns),
    offsetTop: firstRow * m.rowHeight,
    totalHeight: rows * m.rowHeight,
  };
}

/**
 * The scrollTop that brings row `row` fully into view (unchanged when it already is).
 * @example scrollToRow(10, 190, 0, 600) // 1500
 */
export function scrollToRow(
  row: number,
  rowHeight: number,
  scrollTop: number,
  viewportHeight: number,
): number {
  const top = row * rowHeight;
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + viewportHeight) return top + rowHeight - viewportHeight;
  return scrollTop;
}

/** Arrow and page keys → how far the focus moves, in items, for a grid with `columns` and `pageRows`. */
export function keyStep(key: string, columns: number, pageRows: number, count: number): number | null {
  const steps: Record<string, number> = {
    ArrowLeft: -1,
    ArrowRight: 1,
    ArrowUp: -columns,
    ArrowDown: columns,
    PageUp: -columns * pageRows,
    PageDown: columns * pageRows,
    Home: -count,
    End: count,
  };
  return key in steps ? steps[key] : null;
}
