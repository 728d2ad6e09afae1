import { mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  commonRoot,
  convertedLayout,
  EXTERNAL_ALIGNMENT,
  rangeOf,
  readsInPlace,
  WeightStore,
} from '../../../src-main/engine/onnx/weight-placement';
import type { ParamRef } from '../../../src-main/engine/graph/node';
import type { TensorEntry } from '../../../src-main/formats/safetensors';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const ref = (over: Partial<ParamRef> = {}): ParamRef => ({
  file: '/m/a.safetensors',
  key: 'w',
  storedAs: 'F32',
  byteStart: 100,
  byteEnd: 100 + 6 * 4 * 4,
  ...over,
});

describe('weight placement', () => {
  it('reads in place only when the stored dtype is the graph dtype', () => {
    expect(readsInPlace({ param: ref(), dtype: 'f32' })).toBe(true);
    expect(readsInPlace({ param: ref({ storedAs: 'F16' }), dtype: 'f32' })).toBe(false);
    expect(readsInPlace({ param: ref({ storedAs: 'F16' }), dtype: 'f16' })).toBe(true);
    expect(readsInPlace({ param: ref({ storedAs: 'BF16' }), dtype: 'f16' })).toBe(false);
  });

  it('turns a row slice into a byte range and refuses a shape that does not fit', () => {
    const w = {
      name: 'k',
      param: ref({ transform: { kind: 'rows', start: 2, end: 4 } }),
      dtype: 'f32' as const,
      shape: [2, 4],
    };
    expect(rangeOf(w, 100, 96, 4)).toEqual({ offset: 100 + 2 * 16, length: 32 });
    expect(() => rangeOf({ ...w, param: ref(), shape: [5, 4] }, 100, 96, 4)).toThrow('holds 24 elements');
  });

  it('lays converted tensors out in header order, aligned, skipping those already in the dtype', () => {
    const e = (
      name: string,
      dtype: TensorEntry['dtype'],
      begin: number,
      end: number,
    ): [string, TensorEntry] => [name, { name, dtype, shape: [(end - begin) / 2], begin, end }];
    const layout = convertedLayout(
      { tensors: new Map([e('a', 'F16', 0, 10), e('b', 'F32', 10, 18), e('c', 'BF16', 18, 22)]) },
      'F32',
    );
    expect([...layout]).toEqual([
      ['a', { offset: 0, length: 20 }],
      ['c', { offset: EXTERNAL_ALIGNMENT, length: 8 }],
    ]);
  });

  it('finds the deepest common folder, or none across drives', () => {
    expect(commonRoot([join(sep, 'm', 'x', 'a'), join(sep, 'm', 'x', 'y', 'b')])).toBe(join(sep, 'm', 'x'));
    expect(commonRoot([join(sep, 'm', 'a'), join(sep, 'c', 'b')])).toBe(sep);
    expect(commonRoot([])).toBeNull();
  });

  it('places a weight at the real path of a linked checkpoint (ORT refuses links out of the base folder)', async () => {
    const dir = await realpath(await mkdtemp(join(tmpdir(), 'tessera-place-')));
    dirs.push(dir);
    await writeFile(join(dir, 'real.safetensors'), new Uint8Array(256));
    await symlink(join(dir, 'real.safetensors'), join(dir, 'link.safetensors'));
    const store = new WeightStore(join(dir, 'cache'));
    const at = store.place({
      name: 'w',
      param: ref({ file: join(dir, 'link.safetensors') }),
      dtype: 'f32',
      shape: [6, 4],
    });
    expect(at).toEqual({ path: join(dir, 'real.safetensors'), offset: 100, length: 96 });
  });
});
