// What the Style gallery browses: a project's runs, and in a run folder the adapter files it saved (checkpoints
// and the final one) and its comparisons (the contact sheet training renders into samples/, and those rendered from the app into
// compare/), read from their JSON cell tables.
import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { Comparison, RunAdapter, RunSummary } from '../api/training';
import { ApiError } from '../api/errors';
import { readComparison } from '../jobs/comparison-table';
import { COMPARE_DIR, JOB_FILE, TRAINING_COMPARE_STEM } from '../jobs/run-folder';
import { RUNS_FOLDER } from './run-images';

const CHECKPOINT_FILE = /^(.+)-step(\d+)\.safetensors$/;

function runFolder(dir: string): string {
  if (!dir || !isAbsolute(dir)) throw new ApiError('INVALID_ARGUMENT', `Give a full path, not "${dir}".`);
  return dir;
}

async function namesIn(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [];
    if (code === 'ENOTDIR') throw new ApiError('INVALID_ARGUMENT', `${dir} is a file, not a run folder.`);
    throw err;
  }
}

/**
 * Adapter files of a run: `<name>-step<N>.safetensors` checkpoints by step, then the final `<name>.safetensors`.
 * @example await listRunAdapters('/art/ink/runs/ink-1') // [{ label: 'step 2', step: 2, … }, { label: 'final', step: null, … }]
 */
export async function listRunAdapters(runDir: string): Promise<RunAdapter[]> {
  const names = (await namesIn(runFolder(runDir))).filter((n) => n.endsWith('.safetensors'));
  const checkpoints = names
    .map((n) => CHECKPOINT_FILE.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ path: join(runDir, m[0]), label: `step ${Number(m[2])}`, step: Number(m[2]), stem: m[1] }))
    .sort((a, b) => a.step - b.step);
  const stems = new Set(checkpoints.map((c) => c.stem));
  const finals = names.filter(
    (n) => !CHECKPOINT_FILE.test(n) && stems.has(n.slice(0, -'.safetensors'.length)),
  );
  return [
    ...checkpoints.map(({ path, label, step }) => ({ path, label, step })),
    ...finals.map((n) => ({ path: join(runDir, n), label: 'final', step: null })),
  ];
}

/** Every run folder writes its settings here first, so a folder without it is no run (e.g. runs/generated). */

/**
 * The runs of a project, newest first.
 * @example const [latest] = await listRuns('/art/ink'); latest.dir // '/art/ink/runs/ink-20261128-090507'
 */
export async function listRuns(project: string): Promise<RunSummary[]> {
  const runs = join(runFolder(project), RUNS_FOLDER);
  const found: RunSummary[] = [];
  for (const name of await namesIn(runs)) {
    const dir = join(runs, name);
    const marker = await stat(join(dir, JOB_FILE)).catch(() => null);
    if (!marker?.isFile()) continue;
    const adapters = (await listRunAdapters(dir)).length;
    const modified = Math.max(marker.mtimeMs, (await stat(dir)).mtimeMs);
    found.push({ dir, name, adapters, modified });
  }
  return found.sort((a, b) => b.modified - a.modified || b.name.localeCompare(a.name));
}

/**
 * Every comparison of a run, newest first.
 * @example const [latest] = await listComparisons('/art/ink/runs/ink-1'); latest.columns[0].label // 'base'
 */
export async function listComparisons(runDir: string): Promise<Comparison[]> {
  const own = (await namesIn(join(runFolder(runDir), COMPARE_DIR)))
    .filter((n) => n.endsWith('.json'))
    .map((n) => join(runDir, COMPARE_DIR, n));
  const candidates = [...own, join(runDir, `${TRAINING_COMPARE_STEM}.json`)];
  const found: { path: string; time: number }[] = [];
  for (const path of candidates) {
    const info = await stat(path).catch(() => null);
    if (info?.isFile()) found.push({ path, time: info.mtimeMs });
  }
  found.sort((a, b) => b.time - a.time);
  return Promise.all(found.map((f) => readComparison(f.path)));
}

/** Where a comparison rendered now goes (without extension). @example comparisonOut('/r', new Date(0)) // '/r/compare/1970-01-01T00-00-00-000Z' */
export function comparisonOut(runDir: string, now = new Date()): string {
  return join(runFolder(runDir), COMPARE_DIR, now.toISOString().replace(/[:.]/g, '-'));
}
