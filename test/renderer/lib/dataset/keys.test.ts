// The Dataset screen's keyboard map: arrows move and select, Enter edits, Ctrl/Cmd+S saves, Esc closes.
import { describe, expect, it } from 'vitest';
import { gridKeyAction, screenKeyAction } from '../../../../src-renderer/lib/dataset/keys';

const grid = { columns: 4, pageRows: 3, count: 40 };

describe('gridKeyAction', () => {
  it('moves by one image sideways and by a row up and down, selecting the image moved to', () => {
    expect(gridKeyAction({ key: 'ArrowRight' }, grid)).toEqual({ kind: 'move', by: 1, select: 'only' });
    expect(gridKeyAction({ key: 'ArrowLeft' }, grid)).toEqual({ kind: 'move', by: -1, select: 'only' });
    expect(gridKeyAction({ key: 'ArrowDown' }, grid)).toEqual({ kind: 'move', by: 4, select: 'only' });
    expect(gridKeyAction({ key: 'PageUp' }, grid)).toEqual({ kind: 'move', by: -12, select: 'only' });
  });

  it('extends the selection with Shift and only moves the focus with Ctrl or Cmd', () => {
    expect(gridKeyAction({ key: 'ArrowUp', shiftKey: true }, grid)).toMatchObject({ select: 'extend' });
    expect(gridKeyAction({ key: 'ArrowUp', ctrlKey: true }, grid)).toMatchObject({ select: 'none' });
    expect(gridKeyAction({ key: 'End', metaKey: true }, grid)).toEqual({
      kind: 'move',
      by: 40,
      select: 'none',
    });
  });

  it('edits on Enter, toggles on Space, selects all on Ctrl/Cmd+A', () => {
    expect(gridKeyAction({ key: 'Enter' }, grid)).toEqual({ kind: 'edit' });
    expect(gridKeyAction({ key: ' ' }, grid)).toEqual({ kind: 'toggle' });
    expect(gridKeyAction({ key: 'a', ctrlKey: true }, grid)).toEqual({ kind: 'selectAll' });
    expect(gridKeyAction({ key: 'A', metaKey: true }, grid)).toEqual({ kind: 'selectAll' });
  });

  it('passes screen keys through and ignores the rest', () => {
    expect(gridKeyAction({ key: 's', ctrlKey: true }, grid)).toEqual({ kind: 'save' });
    expect(gridKeyAction({ key: 'Escape' }, grid)).toEqual({ kind: 'close' });
    expect(gridKeyAction({ key: 'a' }, grid)).toBeNull();
    expect(gridKeyAction({ key: 'Tab' }, grid)).toBeNull();
  });
});

describe('screenKeyAction', () => {
  it('saves on Ctrl+S or Cmd+S and closes on Escape, nothing else', () => {
    expect(screenKeyAction({ key: 's', ctrlKey: true })).toEqual({ kind: 'save' });
    expect(screenKeyAction({ key: 'S', metaKey: true, shiftKey: true })).toEqual({ kind: 'save' });
    expect(screenKeyAction({ key: 'Escape' })).toEqual({ kind: 'close' });
    expect(screenKeyAction({ key: 's' })).toBeNull();
    expect(screenKeyAction({ key: 'ArrowDown' })).toBeNull();
  });
});
