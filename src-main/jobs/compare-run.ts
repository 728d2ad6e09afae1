// Renders a compare grid with a real model: each prompt (kohya prompt-file options) for each column — the
// base model, or an adapter file at a strength — with the prompt's own seed, so columns differ only by the
// adapter. Writes the contact sheet PNG, each cell as its own PNG (with its parameters) and the cell table
// (JSON, comparison-table.ts) the gallery browses.
import { mkdir } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type { Comparison } from '../api/training';
import type { LoRAAdapter } from '../lora/adapter-weights';
import { targetsOf } from '../lora/adapter-weights';
import { loadLoRA } from '../lora/load';
import { writeFileAtomic } from '../formats/atomic-write';
import type { CheckpointModel } from '../sample/checkpoint-model';
import { compareGrid, type CompareGrid, type GridColumn } from '../sample/compare-grid';
import type { SamplePrompt } from '../sample/prompt-file';
import { parsePromptLine } from '../sample/prompt-file';
import { requestFromPrompt, txt2img } from '../sample/txt2img';
import type { CompareSpec } from '../api/worker-messages';
import { cellFileName, readComparison, type StoredComparison } from './comparison-table';
import { chooseCompute, openRenderModel } from './open-model';

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
    const cells: StoredComparison['cells'] = [];
    for (const { row, column, prompt, label, png } of grid.cells) {
      const file = `${cellsDir}/${cellFileName(row, column)}`;
      await writeFileAtomic(join(dirname(options.out), file), png);
      cells.push({ row, column, prompt, label, file });
    }
    await writeFileAtomic(
      `${options.out}.json`,
      JSON.stringify(
        { columns: [...columns], prompts: prompts.map((p) => p.prompt), cells } satisfies StoredComparison,
        null,
        2,
      ),
    );
  }
  return grid;
}

/**
 * A comparison for the Style gallery: every prompt for every column on the chosen (or best) device, the cells and
 * sheet on disk, read back as the gallery lists it.
 * @example const { cells } = await renderComparison({ modelPath, prompts: ['ink'], columns, seed: 1, out, cacheDir })
 */
export async function renderComparison({ modelPath, cacheDir, ...spec }: CompareSpec): Promise<Comparison> {
  const { onnx } = await chooseCompute(cacheDir, spec);
  const model = await openRenderModel(modelPath, cacheDir, 'sampled', { ...onnx, hash: false });
  try {
    const prompts = spec.prompts.map((line, i) => parsePromptLine(line, i));
    await compareRun(model, prompts, spec.columns, { seed: spec.seed, out: spec.out });
    return await readComparison(`${spec.out}.json`);
  } finally {
    model.dispose();
  }
}
