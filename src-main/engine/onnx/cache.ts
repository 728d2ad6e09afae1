// On-disk cache of emitted models: <root>/<key>/model.onnx + weights.bin, keyed by a content hash of the model
// bytes plus the identity (path, size, mtime, byte range, transform) of every weight the .bin is built from.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EmittedModel } from './emit';
import { writeExternal } from './external-data';

export const MODEL_FILE = 'model.onnx';

export interface CachedModel {
  key: string;
  dir: string;
  modelPath: string;
  /** Absent when the model has no Params. */
  weightsPath?: string;
  /** True when the files were already there. */
  hit: boolean;
}

/** Hex sha256 naming an emitted model and the weights it would write. */
export function cacheKey(m: EmittedModel): string {
  const h = createHash('sha256');
  h.update(m.bytes);
  const files = [...new Set(m.externals.map((t) => t.param.file))].sort();
  for (const file of files) {
    const st = statSync(file);
    h.update(JSON.stringify({ file, size: st.size, mtime: st.mtimeMs }));
  }
  for (const t of m.externals) {
    const { file, key, storedAs, byteStart, byteEnd, transform } = t.param;
    h.update(
      JSON.stringify({ name: t.name, file, key, storedAs, byteStart, byteEnd, transform, dtype: t.dtype }),
    );
  }
  return h.digest('hex').slice(0, 32);
}

/**
 * Writes the model (and its weights) under `root` unless an identical one is there already.
 * Files appear atomically: written into a temporary folder, then renamed.
 * @example const { modelPath } = ensureCached(emitModel({ y }), join(userData, 'onnx-cache'));
 */
export function ensureCached(m: EmittedModel, root: string): CachedModel {
  const key = cacheKey(m);
  const dir = join(root, key);
  const result = {
    key,
    dir,
    modelPath: join(dir, MODEL_FILE),
    ...(m.externals.length ? { weightsPath: join(dir, m.weightsFile) } : {}),
  };
  if (existsSync(result.modelPath)) return { ...result, hit: true };
  const tmp = join(root, `${key}.tmp-${process.pid}-${Date.now()}`);
  mkdirSync(tmp, { recursive: true });
  try {
    if (m.externals.length) writeExternal(join(tmp, m.weightsFile), m.externals);
    writeFileSync(join(tmp, MODEL_FILE), m.bytes);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return { ...result, hit: false };
}
