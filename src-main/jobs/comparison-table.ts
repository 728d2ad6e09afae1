// The cell table of a comparison, as `compareRun` writes it beside the sheet (`<out>.json`, cells under
// `<out>-cells/`) and the gallery reads it back. File I/O only, so the window's services can read it without the
// worker's ONNX Runtime.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CompareColumn, Comparison } from '../api/training';

/** A cell's PNG name inside `<out>-cells/`. @example cellFileName(0, 2) // 'r0-c2.png' */
export function cellFileName(row: number, column: number): string {
  return `r${row}-c${column}.png`;
}

/** The table as stored (`file` relative to the JSON). */
export interface StoredComparison {
  columns: CompareColumn[];
  prompts: string[];
  cells: { row: number; column: number; prompt: string; label: string; file?: string }[];
}

/** One comparison from its JSON table; cells written before cells had their own files are left out. */
export async function readComparison(jsonPath: string): Promise<Comparison> {
  const stored = JSON.parse(await readFile(jsonPath, 'utf8')) as StoredComparison;
  const dir = dirname(jsonPath);
  return {
    sheet: jsonPath.replace(/\.json$/, '.png'),
    prompts: stored.prompts,
    columns: stored.columns,
    cells: stored.cells.flatMap(({ file, ...cell }) => (file ? [{ ...cell, path: join(dir, file) }] : [])),
  };
}
