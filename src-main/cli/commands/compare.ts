// `tessera compare`: one contact sheet of prompts × (base, adapters at strengths), plus its cell table.
import { readFile } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { compareRun } from '../../jobs/compare-run';
import { openRenderModel } from '../../jobs/open-model';
import type { GridColumn } from '../../sample/compare-grid';
import { parsePromptFile } from '../../sample/prompt-file';
import { cacheDirArg, numberArg, splitList } from '../args';
import { UsageError, type CliCommand, type CliIo } from '../io';

const USAGE = `Usage: tessera compare --model M --prompts FILE --out GRID [--lora L]... [--strengths 0,0.5,1]

Renders every prompt of FILE (kohya prompt-file syntax: --n, --w, --h, --d, --l, --s) once with the base
model and once per adapter and strength, as GRID.png (rows: prompts, columns: base + adapters),
GRID-cells/ (each cell's PNG with its parameters) and GRID.json (the cell table the gallery reads). Seeds come from --d or --seed, so columns differ only by the adapter.

  --lora PATH       an adapter (repeat for checkpoints of a run)
  --strengths LIST  strengths for each adapter (default 1)
  --seed N          for prompts without --d (default 0)
  --cache DIR`;

export const compareCommand: CliCommand = {
  name: 'compare',
  summary: 'contact sheet: prompts × base and adapters at strengths',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values: v } = parseArgs({
      args,
      options: {
        model: { type: 'string' },
        prompts: { type: 'string' },
        out: { type: 'string' },
        lora: { type: 'string', multiple: true },
        strengths: { type: 'string' },
        seed: { type: 'string' },
        cache: { type: 'string' },
      },
    });
    if (!v.model || !v.prompts || !v.out) throw new UsageError('compare needs --model, --prompts and --out');
    const strengths = splitList(v.strengths ?? '1').map((s) => numberArg('--strengths', s, -4, 4, 1));
    const modelPath = resolve(io.cwd, v.model);
    const prompts = parsePromptFile(await readFile(resolve(io.cwd, v.prompts), 'utf8'));
    if (!prompts.length) throw new UsageError(`${v.prompts} holds no prompts`);
    const columns: GridColumn[] = [{ label: 'base' }];
    for (const l of v.lora ?? []) {
      const path = resolve(io.cwd, l);
      for (const strength of strengths)
        columns.push({ label: `${basename(path, extname(path))} ×${strength}`, lora: { path, strength } });
    }
    const cacheDir = cacheDirArg(v.cache, io.cwd);
    const model = await openRenderModel(modelPath, cacheDir, 'sampled', { cacheDir, hash: false });
    try {
      const out = resolve(io.cwd, v.out.replace(/\.png$/i, ''));
      await compareRun(model, prompts, columns, {
        seed: numberArg('--seed', v.seed, 0, 2 ** 32 - 1, 0),
        out,
      });
      io.out(`${out}.png (${prompts.length} prompts × ${columns.length} columns)`);
      return 0;
    } finally {
      model.dispose();
    }
  },
};
