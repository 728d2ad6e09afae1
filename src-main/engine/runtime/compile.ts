// The one path from graph outputs to a running session: emit ONNX whose frozen weights are read where they lie
// (the checkpoint itself, or the shared converted file for another dtype), and load it from memory. Nothing
// is written per graph: a second graph over the same checkpoint adds no bytes on disk.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Node } from '../graph/node';
import { emitModel } from '../onnx/emit';
import { WeightStore, type WeightRequest } from '../onnx/weight-placement';
import { liveNodes } from '../passes/dce';
import { Session, type SessionOptions } from './session';

export interface CompileOptions extends SessionOptions {
  /** Cache folder; converted weights go under `weights/` (default `<tmp>/tessera-onnx-cache`). */
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
  const { cacheDir, name, ...session } = options;
  const store = weightStore(cacheDir);
  await store.prepare(weightRequests(outputs));
  const m = emitModel(outputs, { ...(name ? { name } : {}), place: store.place });
  return Session.create({ bytes: m.bytes, ...(m.baseDir ? { baseDir: m.baseDir } : {}) }, session);
}
