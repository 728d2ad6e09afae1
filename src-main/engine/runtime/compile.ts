// The one path from graph outputs to a running session: emit ONNX, write it (and its external weights) into
// the on-disk model cache unless an identical model is there, and load it by path so ORT mmaps the weights.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Node } from '../graph/node';
import { ensureCached } from '../onnx/cache';
import { emitModel } from '../onnx/emit';
import { Session, type SessionOptions } from './session';

export interface CompileOptions extends SessionOptions {
  /** Folder of cached models; default `<tmp>/tessera-onnx-cache`. */
  cacheDir?: string;
  /** Graph name inside the model (shows in ORT errors and profiles). */
  name?: string;
}

export const DEFAULT_CACHE_DIR = join(tmpdir(), 'tessera-onnx-cache');

/**
 * Compiles named graph outputs into a Session whose outputs carry the same names.
 * @example const s = await compileGraph({ y }, { cacheDir }); const { y: out } = await s.run({ x });
 */
export async function compileGraph(
  outputs: Record<string, Node>,
  options: CompileOptions = {},
): Promise<Session> {
  const { cacheDir = DEFAULT_CACHE_DIR, name, ...session } = options;
  const cached = ensureCached(emitModel(outputs, name ? { name } : {}), cacheDir);
  return Session.create(cached.modelPath, session);
}
