// The one path from graph outputs to a running session: emit ONNX whose frozen weights are read where they lie
// (the checkpoint itself, or the shared converted file for another dtype), and load it from memory. No weight
// is written per graph: a second graph over the same checkpoint adds only its optimized graph bytes on disk.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Node } from '../graph/node';
import { emitModel } from '../onnx/emit';
import { WeightStore, type WeightRequest } from '../onnx/weight-placement';
import { liveNodes } from '../passes/dce';
import { rememberedSession, type Remembered } from './optimized-models';
import type { Session, SessionOptions } from './session';

export interface CompileOptions extends SessionOptions {
  /** Cache folder; converted weights go under `weights/`, optimized graphs under `graphs/` (default `<tmp>/tessera-onnx-cache`). */
  cacheDir?: string;
  /** Graph name inside the model (shows in ORT errors and profiles). */
  name?: string;
}

export const DEFAULT_CACHE_DIR = join(tmpdir(), 'tessera-onnx-cache');

/** Converted-weight stores by folder: one per process, so file identities and layouts are read once. */
const stores = new Map<string, WeightStore>();

/** The weight store under a cache folder. @example weightStore(cacheDir).place(request) */
export function weightStore(cacheDir: string = DEFAULT_CACHE_DIR): WeightStore {
  const root = join(cacheDir, 'weights');
  let store = stores.get(root);
  if (!store) {
    store = new WeightStore(root);
    stores.set(root, store);
  }
  return store;
}

/** The frozen weights the named outputs read. */
export function weightRequests(outputs: Record<string, Node>): WeightRequest[] {
  return liveNodes(Object.values(outputs))
    .filter((n) => n.op === 'Param')
    .map((n) => {
      if (!n.param || !n.name) throw new Error(`Param #${n.id} has no name or ParamRef`);
      return { name: n.name, param: n.param, dtype: n.dtype, shape: n.shape as number[] };
    });
}

/**
 * Compiles named graph outputs into a Session whose outputs carry the same names.
 * @example const s = await compileGraph({ y }, { cacheDir }); const { y: out } = await s.run({ x });
 */
export async function compileGraph(
  outputs: Record<string, Node>,
  options: CompileOptions = {},
): Promise<Session> {
  return (await compileRemembered(undefined, () => ({ outputs, meta: null }), options)).session;
}

/**
 * Like compileGraph for the graph `build` makes, remembered by `recipe` (JSON of everything that shapes it):
 * a recipe compiled before by this code, over unchanged weight files, loads without building or emitting, and
 * its `meta` comes back as stored (optimized-models.ts). An undefined recipe builds every time.
 * @example const { session, meta, hit } = await compileRemembered({ shape }, () => ({ outputs: { y }, meta: {} }), { cacheDir })
 */
export async function compileRemembered<M>(
  recipe: unknown,
  build: () => { outputs: Record<string, Node>; meta: M },
  options: CompileOptions = {},
): Promise<{ session: Session; meta: M; hit: Remembered }> {
  const { cacheDir, name, ...session } = options;
  const make = async () => {
    const { outputs, meta } = build();
    const store = weightStore(cacheDir);
    await store.prepare(weightRequests(outputs));
    return { model: emitModel(outputs, { ...(name ? { name } : {}), place: store.place }), meta };
  };
  const remembered = recipe === undefined ? undefined : { recipe, name: name ?? null };
  return rememberedSession(remembered, make, cacheDir ?? DEFAULT_CACHE_DIR, session);
}
