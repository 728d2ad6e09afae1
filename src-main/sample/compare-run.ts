// Renders a compare grid with a real model: each prompt (kohya prompt-file options) for each column — the
// base model, or an adapter file at a strength — with the prompt's own seed, so columns differ only by the
// adapter. Writes the contact sheet PNG, each cell as its own PNG (with its parameters) and the cell table
// (JSON) the gallery browses.
import { mkdir } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type { LoRAAdapter } from '../lora/adapter-weights';
import { targetsOf } from '../lora/adapter-weights';
import { loadLoRA } from '../lora/load';
import { writeFileAtomic } from '../dataset/project-files';
import type { CheckpointModel } from './checkpoint-model';
import { compareGrid, type CompareGrid, type GridColumn } from './compare-grid';
import type { SamplePrompt } from './prompt-file';
import { requestFromPrompt, txt2img } from './txt2img';

export interface CompareOptions {
  /** Seed for prompts that set none. */
  seed: number;
  /** Writes `<out>.png`, `<out>.json` and the cells as `<out>-cells/r<row>-c<column>.png` when given. */
  out?: string;
}

/** @example await compareRun(model, prompts, [{ label: 'base' }, { label: '1.0', lora: { path, strength: 1 } }], { seed: 1, out: '/run/compare' }) */
export async function compareRun(
  model: CheckpointModel,
  prompts: readonly SamplePrompt[],
  columns: readonly GridColumn[],
  options: CompareOptions,
): Promise<CompareGrid> {
  const adapters = new Map<string, LoRAAdapter>();
  const byText = new Map(prompts.map((p) => [p.prompt, p]));
  const grid = await compareGrid(
    prompts.map((p) => p.prompt),
    columns,
    async (text, column) => {
      const p = byText.get(text)!;
      if (column.lora && column.lora.strength !== 0) {
        let adapter = adapters.get(column.lora.path);
        if (!adapter) {
          adapter = (await loadLoRA(column.lora.path, { targets: targetsOf(model.ckpt.config) })).adapter;
          adapters.set(column.lora.path, adapter);
        }
        model.setLoRA(adapter, column.lora.strength);
      } else model.setLoRA(null);
      // The cell's parameters name the adapter as A1111 would (<lora:name:strength>), so a copied cell reproduces.
      const { path, strength } = column.lora ?? { path: '', strength: 0 };
      const lora = strength !== 0 ? { lora: { name: basename(path, extname(path)), strength } } : {};
      const { png } = await txt2img(model, { ...requestFromPrompt(p, options.seed), ...lora });
      return png;
    },
  );
  model.setLoRA(null);
  if (options.out) {
    // A run with prompts but previews off has no samples/ folder yet.
    await mkdir(dirname(options.out), { recursive: true });
    await writeFileAtomic(`${options.out}.png`, grid.png);
    const cellsDir = `${basename(options.out)}-cells`;
    await mkdir(join(dirname(options.out), cellsDir), { recursive: true });
    const cells = [];
    for (const { row, column, prompt, label, png } of grid.cells) {
      const file = `${cellsDir}/${cellFileName(row, column)}`;
      await writeFileAtomic(join(dirname(options.out), file), png);
      cells.push({ row, column, prompt, label, file });
    }
    await writeFileAtomic(
      `${options.out}.json`,
      JSON.stringify({ columns, prompts: prompts.map((p) => p.prompt), cells }, null, 2),
    );
  }
  return grid;
}

/** A cell's PNG name inside `<out>-cells/`. @example cellFileName(0, 2) // 'r0-c2.png' */
export function cellFileName(row: number, column: number): string {
  return `r${row}-c${column}.png`;
}
