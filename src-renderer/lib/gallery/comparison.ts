// The Style gallery's comparison arithmetic, pure: which columns answer "at which strength?" and "from which
// checkpoint?", the strengths the user typed, and a comparison's cell lookup.
import type { CompareColumn, Comparison, CompareCell, RunAdapter } from '../../../src-main/api/training';

export type CompareKind = 'strengths' | 'checkpoints';

/**
 * Base first, then the final adapter at each strength, or every saved checkpoint (and the final) at strength 1.
 * @example compareColumns(adapters, 'strengths', [0.5, 1]).map((c) => c.label) // ['base', 'final ×0.5', 'final ×1']
 */
export function compareColumns(
  adapters: readonly RunAdapter[],
  kind: CompareKind,
  strengths: readonly number[],
): CompareColumn[] {
  const final = adapters.find((a) => a.step === null) ?? adapters.at(-1);
  if (!final) return [];
  const base: CompareColumn = { label: 'base' };
  if (kind === 'strengths')
    return [
      base,
      ...strengths.map((s) => ({ label: `${final.label} ×${s}`, lora: { path: final.path, strength: s } })),
    ];
  return [base, ...adapters.map((a) => ({ label: a.label, lora: { path: a.path, strength: 1 } }))];
}

/**
 * Strengths typed as a list: numbers from -4 to 4, or a complaint naming the bad entry.
 * @example parseStrengths('0.5, 1') // [0.5, 1]
 */
export function parseStrengths(text: string): number[] | string {
  const parts = text.split(/[,\s]+/).filter((p) => p !== '');
  if (!parts.length) return 'Give at least one strength, e.g. 0.5, 1';
  const values = parts.map(Number);
  const bad = values.findIndex((v) => !Number.isFinite(v) || v < -4 || v > 4);
  return bad < 0 ? values : `"${parts[bad]}" is not a strength from -4 to 4`;
}

/** @example cellAt(comparison, 0, 1)?.path */
export function cellAt(comparison: Comparison, row: number, column: number): CompareCell | undefined {
  return comparison.cells.find((c) => c.row === row && c.column === column);
}
