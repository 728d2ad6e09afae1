// The Dataset screen's keyboard map, pure: which action a key press means in the image grid or anywhere on the
// screen. Arrows move (and select, like a file manager; Shift extends, Ctrl/Cmd only moves the focus), Enter
// edits the caption, Space toggles, Ctrl/Cmd+A selects all, Ctrl/Cmd+S saves, Esc closes.
import { keyStep } from './virtual-grid';

export interface KeyPress {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  shiftKey?: boolean;
}

export type KeyAction =
  | { kind: 'move'; by: number; select: 'only' | 'extend' | 'none' }
  | { kind: 'edit' }
  | { kind: 'toggle' }
  | { kind: 'selectAll' }
  | { kind: 'save' }
  | { kind: 'close' };

/** The grid's shape the moves depend on. */
export interface GridShape {
  columns: number;
  pageRows: number;
  count: number;
}

/**
 * Keys that work anywhere on the Dataset screen (also while typing a caption): save and close.
 * @example screenKeyAction({ key: 's', ctrlKey: true }) // { kind: 'save' }
 */
export function screenKeyAction(press: KeyPress): KeyAction | null {
  const command = press.ctrlKey || press.metaKey;
  if (command && press.key.toLowerCase() === 's') return { kind: 'save' };
  if (press.key === 'Escape') return { kind: 'close' };
  return null;
}

/**
 * Keys of the focused image grid.
 * @example gridKeyAction({ key: 'ArrowDown' }, { columns: 4, pageRows: 3, count: 40 }) // { kind: 'move', by: 4, select: 'only' }
 */
export function gridKeyAction(press: KeyPress, grid: GridShape): KeyAction | null {
  const command = press.ctrlKey || press.metaKey;
  if (command && press.key.toLowerCase() === 'a') return { kind: 'selectAll' };
  if (press.key === 'Enter') return { kind: 'edit' };
  if (press.key === ' ') return { kind: 'toggle' };
  const by = keyStep(press.key, grid.columns, grid.pageRows, grid.count);
  if (by === null) return screenKeyAction(press);
  return { kind: 'move', by, select: press.shiftKey ? 'extend' : command ? 'none' : 'only' };
}
