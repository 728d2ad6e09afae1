// The gallery's comparison columns, typed strengths and cell lookup.
import { describe, expect, it } from 'vitest';
import type { Comparison } from '../../../../src-main/api/training';
import { cellAt, compareColumns, parseStrengths } from '../../../../src-renderer/lib/gallery/comparison';

const adapters = [
  { path: '/r/ink-step000002.safetensors', label: 'step 2', step: 2 },
  { path: '/r/ink-step000004.safetensors', label: 'step 4', step: 4 },
  { path: '/r/ink.safetensors', label: 'final', step: null },
];

describe('compareColumns', () => {
  it('puts the base model first, then the final adapter at each strength', () => {
    expect(compareColumns(adapters, 'strengths', [0.5, 1])).toEqual([
      { label: 'base' },
      { label: 'final ×0.5', lora: { path: '/r/ink.safetensors', strength: 0.5 } },
      { label: 'final ×1', lora: { path: '/r/ink.safetensors', strength: 1 } },
    ]);
  });

  it('lists every checkpoint at full strength for the checkpoint comparison', () => {
    expect(compareColumns(adapters, 'checkpoints', [0.5]).map((c) => [c.label, c.lora?.strength])).toEqual([
      ['base', undefined],
      ['step 2', 1],
      ['step 4', 1],
      ['final', 1],
    ]);
  });

  it('has nothing to compare without adapters', () => {
    expect(compareColumns([], 'strengths', [1])).toEqual([]);
  });
});

describe('parseStrengths', () => {
  it('reads commas or spaces, and names a bad entry', () => {
    expect(parseStrengths('0.5, 1 1.25')).toEqual([0.5, 1, 1.25]);
    expect(parseStrengths('0.5, x')).toBe('"x" is not a strength from -4 to 4');
    expect(parseStrengths('9')).toMatch(/"9"/);
    expect(parseStrengths(' ')).toMatch(/at least one/);
  });
});

describe('cellAt', () => {
  it('finds a cell by row and column', () => {
    const comparison: Comparison = {
      sheet: '/r/c.png',
      prompts: ['a'],
      columns: [{ label: 'base' }, { label: 'x' }],
      cells: [
        { row: 0, column: 0, prompt: 'a', label: 'base', path: '/r/c-cells/r0-c0.png' },
        { row: 0, column: 1, prompt: 'a', label: 'x', path: '/r/c-cells/r0-c1.png' },
      ],
    };
    expect(cellAt(comparison, 0, 1)?.path).toBe('/r/c-cells/r0-c1.png');
    expect(cellAt(comparison, 1, 0)).toBeUndefined();
  });
});
