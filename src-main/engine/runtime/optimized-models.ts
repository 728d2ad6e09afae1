// Compiled graphs remembered under the cache folder, in two layers:
// - ORT's optimized graph of an emitted model, keyed by the model's bytes: a later session over the same model
//   loads it with ORT's optimizer off. On the SD1.5 training step that halves session creation (2.1 → 1.0 s):
//   the optimizer's own time goes, and the allocation planner sees 12% fewer nodes.
// - A recipe (everything that shapes a graph, as JSON, plus the identity of the code that builds it) naming
//   that optimized graph: the same recipe later loads it without building, differentiating or emitting.
// Entries are graph bytes only: ORT keeps the external references into the checkpoint, and what it folds from
// weights (a norm scale reshaped to [C, 1, 1]) is small; that is why both keys name the weight files' state.
// (docs/reference/ort-notes.md#optimized-model-files)
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { writeFileAtomic } from '../../formats/atomic-write';
import { fileStateKey } from '../../formats/remembered-digest';
import { codeIdentity } from './code-identity';
import { Session, type ModelBytes, type SessionOptions } from './session';

/** The folder under a cache root that holds optimized graphs and the recipes naming them. */
export const OPTIMIZED_DIR = 'graphs';

/**
 * How many bytes of graphs the folder keeps (default 1 GiB: some 400 SD1.5 training steps). Past it, the
 * least recently used files go; a recipe whose graph went is simply compiled again.
 */
export const OPTIMIZED_LIMIT_BYTES = 2 ** 30;

/** An emitted model: its bytes, the folder its weight locations are relative to, and the files they name. */
export interface EmittedGraph extends ModelBytes {
  weightFiles: readonly string[];
}

/** How a session was made: from a remembered recipe, from a remembered optimized graph, or optimized now. */
export type Remembered = 'recipe' | 'optimized' | false;

/**
 * Whether sessions with these options are remembered. Only the CPU provider: other providers rewrite the
 * graph for their own layouts while partitioning, and 'all' adds the CPU's blocked layouts, which depend on
 * the processor.
 * @example remembersOptimized({ providers: ['cpu'] }) // true
 */
export function remembersOptimized(options: SessionOptions): boolean {
  const providers = options.providers ?? ['cpu'];
  const level = options.optimization ?? 'extended';
  return providers.length === 1 && providers[0] === 'cpu' && (level === 'basic' || level === 'extended');
}

/** What, besides a model or a recipe, decides ORT's optimized graph. */
function optimizerFacts(options: SessionOptions) {
  return {
    ort: ort.env.versions.common,
    level: options.optimization ?? 'extended',
    providers: options.providers ?? ['cpu'],
  };
}

/**
 * The key of a model's optimized graph: its bytes, where its weights are read from (files as they are now),
 * the ORT version and the optimization level.
 * @example const key = await optimizedKey(emitted, { optimization: 'extended' })
 */
export async function optimizedKey(m: EmittedGraph, options: SessionOptions): Promise<string> {
  return fileStateKey(m.weightFiles, {
    model: createHash('sha256').update(m.bytes).digest('hex'),
    baseDir: m.baseDir ?? null,
    ...optimizerFacts(options),
  });
}

function modelOf(bytes: Uint8Array, baseDir: string | undefined): ModelBytes {
  return { bytes, ...(baseDir ? { baseDir } : {}) };
}

/** A session over a remembered optimized graph, or null (and the file removed) when it cannot load. */
async function loadOptimized(
  path: string,
  baseDir: string | undefined,
  options: SessionOptions,
): Promise<Session | null> {
  const known = await readFile(path).catch(() => null);
  if (!known) return null;
  try {
    const session = await Session.create(modelOf(known, baseDir), { ...options, optimization: 'disabled' });
    await used(path);
    return session;
  } catch {
    // A file this version cannot load (torn by a crash, or from elsewhere): optimize again and replace it.
    await rm(path, { force: true });
    return null;
  }
}

/**
 * A session over `m`: from its remembered optimized graph with ORT's optimizer off when there is one, else
 * created as usual while ORT writes the optimized graph (to a temporary name, then renamed into place).
 * `file` is the remembered graph's name under `<cacheDir>/graphs`, when there is one.
 * @example const { session, hit } = await optimizedSession(emitted, cacheDir, { threads: 4 })
 */
export async function optimizedSession(
  m: EmittedGraph,
  cacheDir: string,
  options: SessionOptions = {},
): Promise<{ session: Session; hit: boolean; file?: string }> {
  if (!remembersOptimized(options))
    return { session: await Session.create(modelOf(m.bytes, m.baseDir), options), hit: false };
  const file = `${await optimizedKey(m, options)}.onnx`;
  const path = join(cacheDir, OPTIMIZED_DIR, file);
  const known = await loadOptimized(path, m.baseDir, options);
  if (known) return { session: known, hit: true, file };
  await mkdir(join(cacheDir, OPTIMIZED_DIR), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  try {
    const session = await Session.create(modelOf(m.bytes, m.baseDir), { ...options, saveOptimizedTo: tmp });
    // NOTE: a graph not remembered (full disk…) only costs the next start its optimization.
    const saved = await rename(tmp, path).then(
      () => true,
      () => false,
    );
    if (saved) await pruneOptimized(join(cacheDir, OPTIMIZED_DIR));
    return { session, hit: false, ...(saved ? { file } : {}) };
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Marks a remembered file as just used, so pruning keeps it (its mtime is its last use). */
async function used(path: string): Promise<void> {
  const now = new Date();
  await utimes(path, now, now).catch(() => undefined);
}

/**
 * Deletes the least recently used files of a graphs folder until it holds at most `limit` bytes; returns how
 * many went. Temporary files of a compile in progress are left alone.
 * @example await pruneOptimized(join(cacheDir, 'onnx', 'graphs'), 2 ** 30)
 */
export async function pruneOptimized(dir: string, limit = OPTIMIZED_LIMIT_BYTES): Promise<number> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => !n.includes('.tmp-'));
  const files = [];
  for (const name of names) {
    const st = await stat(join(dir, name)).catch(() => null);
    if (st?.isFile()) files.push({ name, size: st.size, used: st.mtimeMs });
  }
  files.sort((a, b) => b.used - a.used);
  let kept = 0;
  let removed = 0;
  for (const f of files) {
    kept += f.size;
    if (kept <= limit) continue;
    await rm(join(dir, f.name), { force: true });
    removed++;
  }
  return removed;
}

/** A remembered recipe: the optimized graph it compiled to, and what to check before reusing it. */
interface RecipeEntry {
  file: string;
  baseDir: string | null;
  weightFiles: string[];
  /** `fileStateKey(weightFiles)` when it was compiled: a rewritten checkpoint is never read through it. */
  weights: string;
  meta: unknown;
}

/**
 * The key of a recipe: the recipe itself, the code that turns it into a graph, the ORT version and level.
 * @example const key = recipeKey({ family: 'sd1', shape: [1, 4, 32, 32] }, {})
 */
export function recipeKey(recipe: unknown, options: SessionOptions): string {
  const facts = { recipe, code: codeIdentity(), ...optimizerFacts(options) };
  return createHash('sha256').update(JSON.stringify(facts)).digest('hex').slice(0, 32);
}

async function readRecipe(path: string): Promise<RecipeEntry | null> {
  try {
    const e = JSON.parse(await readFile(path, 'utf8')) as RecipeEntry;
    if (typeof e.file !== 'string' || !Array.isArray(e.weightFiles) || typeof e.weights !== 'string')
      return null;
    return (await fileStateKey(e.weightFiles)) === e.weights ? e : null;
  } catch {
    return null; // absent, torn, or a weight file that is gone
  }
}

/**
 * A session for the graph `build` emits, remembered by `recipe`: JSON of everything that shapes the graph
 * (the caller's word; the running code's identity is added here). When this code compiled the same recipe over
 * weight files still as they were, the optimized graph loads without building, emitting or optimizing, and
 * `meta` (what the caller needs to know of the graph, as JSON) comes back as it was stored. Without a recipe
 * the graph is built each time, and only ORT's optimized graph is remembered.
 * @example const { session, meta } = await rememberedSession(recipe, async () => ({ model: emit(), meta }), cacheDir)
 */
export async function rememberedSession<M>(
  recipe: unknown,
  build: () => Promise<{ model: EmittedGraph; meta: M }>,
  cacheDir: string,
  options: SessionOptions = {},
): Promise<{ session: Session; meta: M; hit: Remembered }> {
  const entryPath =
    recipe === undefined ? null : join(cacheDir, OPTIMIZED_DIR, `${recipeKey(recipe, options)}.recipe.json`);
  if (entryPath && remembersOptimized(options)) {
    const entry = await readRecipe(entryPath);
    const session =
      entry &&
      (await loadOptimized(join(cacheDir, OPTIMIZED_DIR, entry.file), entry.baseDir ?? undefined, options));
    if (entry && session) {
      await used(entryPath);
      return { session, meta: entry.meta as M, hit: 'recipe' };
    }
  }
  const { model, meta } = await build();
  const { session, hit, file } = await optimizedSession(model, cacheDir, options);
  if (entryPath && file) {
    const entry: RecipeEntry = {
      file,
      baseDir: model.baseDir ?? null,
      weightFiles: [...model.weightFiles],
      weights: await fileStateKey(model.weightFiles),
      meta,
    };
    await writeFileAtomic(entryPath, JSON.stringify(entry)).catch(() => undefined);
  }
  return { session, meta, hit: hit ? 'optimized' : false };
}
