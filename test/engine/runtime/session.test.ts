import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  describeFeeds,
  identityModel,
  probeProvider,
  Session,
  validateFeeds,
  compiledProviders,
} from '../../../src-main/engine/runtime/session';
import { tensor, type TensorValue } from '../../../src-main/engine/runtime/tensor-io';
import { affineModel, reshapeModel, softmaxModel } from './models';

const dir = mkdtempSync(join(tmpdir(), 'tessera-session-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function modelFile(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

describe('Session', () => {
  it('loads by path, reports symbolic inputs, and runs', async () => {
    const s = await Session.create(modelFile('affine.onnx', affineModel()));
    expect(s.inputs).toEqual([
      { name: 'x', dtype: 'f32', shape: ['N', 3] },
      { name: 'b', dtype: 'f32', shape: [3] },
    ]);
    const out = await s.run({
      x: tensor('f32', [2, 3], new Float32Array([1, 2, 3, 4, 5, 6])),
      b: tensor('f32', [3], new Float32Array([1, 0, -1])),
    });
    expect(out.y).toEqual({ dtype: 'f32', shape: [2, 3], data: new Float32Array([3, 4, 5, 9, 10, 11]) });
    s.dispose();
    await expect(s.run({})).rejects.toThrow(/disposed/);
  });

  it('passes attributes through (Softmax axis=1)', async () => {
    const s = await Session.create(softmaxModel(), { optimization: 'disabled', disablePrepacking: true });
    const out = await s.run({ x: tensor('f32', [2, 3], new Float32Array([0, 0, 0, 1, 1, 1])) });
    const y = out.y as TensorValue;
    for (const v of y.data as Float32Array) expect(v).toBeCloseTo(1 / 3, 6);
    s.dispose();
  });

  it('rejects bad feeds before ORT with a readable dims/types dump', async () => {
    const s = await Session.create(affineModel());
    const bad = { x: tensor('f32', [2, 4]), b: tensor('i64', [3]), z: tensor('f32', [1]) };
    const err = await s.run(bad).then(
      () => null,
      (e: Error) => e.message,
    );
    expect(err).toContain("unknown input 'z'");
    expect(err).toContain("input 'x' axis 1 must be 3, got 4");
    expect(err).toContain("input 'b' must be f32, got i64");
    expect(err).toContain('model inputs:\n  x: f32 [N,3]\n  b: f32 [3]');
    expect(err).toContain('feeds given:\n  x: f32 [2,4]');
    s.dispose();
  });

  it('validateFeeds checks that a symbol has one value across inputs', () => {
    const inputs = [
      { name: 'a', dtype: 'f32' as const, shape: ['H', 2] },
      { name: 'b', dtype: 'f32' as const, shape: [2, 'H'] },
    ];
    expect(() => validateFeeds(inputs, { a: tensor('f32', [4, 2]), b: tensor('f32', [2, 4]) })).not.toThrow();
    expect(() => validateFeeds(inputs, { a: tensor('f32', [4, 2]), b: tensor('f32', [2, 5]) })).toThrow(
      "dim 'H' is 4 in 'a' axis 0 but 5 in 'b' axis 1",
    );
  });

  it('describeFeeds lists name, dtype and dims', () => {
    expect(describeFeeds({ x: tensor('f16', [1, 4, 8, 8]) })).toBe('  x: f16 [1,4,8,8]');
  });

  it('explains ORT run failures in user language with the feeds', async () => {
    const s = await Session.create(reshapeModel());
    expect((await s.run({ x: tensor('f32', [4]) })).y.shape).toEqual([2, 2]);
    const err = await s.run({ x: tensor('f32', [3]) }).then(
      () => null,
      (e: Error) => e.message,
    );
    expect(err).toMatch(/^a tensor shape does not fit the model/);
    expect(err).toContain('ONNX Runtime said:');
    expect(err).toContain('feeds:\n  x: f32 [3]');
    s.dispose();
  });

  it('identityModel copies any tensor of the given rank', async () => {
    const s = await Session.create(identityModel('i64', 1));
    const out = await s.run({ x: tensor('i64', [2], new BigInt64Array([5n, -6n])) });
    expect(out.y).toEqual({ dtype: 'i64', shape: [2], data: new BigInt64Array([5n, -6n]) });
    s.dispose();
  });

  it('probeProvider: cpu works; cuda libraries are missing here', async () => {
    expect(await probeProvider('cpu')).toBeNull();
    expect(await probeProvider('cuda')).toMatch(/Failed to load shared library/);
    expect(compiledProviders().map((p) => p.name)).toContain('cpu');
  });
});
