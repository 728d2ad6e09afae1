import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SessionHost } from '../../../src-main/engine/runtime/thread';
import { tensor, type TensorValue } from '../../../src-main/engine/runtime/tensor-io';
import { affineModel, matmulChainModel } from './models';

const dir = mkdtempSync(join(tmpdir(), 'tessera-thread-'));
const host = new SessionHost();
afterAll(async () => {
  await host.close();
  rmSync(dir, { recursive: true, force: true });
});

function modelFile(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

describe('SessionHost (worker thread)', () => {
  it('creates, runs and disposes a session in the worker', async () => {
    const s = await host.create(modelFile('affine.onnx', affineModel()));
    expect(s.provider).toBe('cpu');
    expect(s.inputs.map((i) => i.name)).toEqual(['x', 'b']);
    const out = await s.run({ x: tensor('f32', [1, 3], new Float32Array([1, 2, 3])), b: tensor('f32', [3]) });
    expect(out.y).toEqual({ dtype: 'f32', shape: [1, 3], data: new Float32Array([2, 4, 6]) });
    await s.dispose();
    await expect(s.run({})).rejects.toThrow(/unknown session/);
  });

  it('forwards validation errors from the worker', async () => {
    const s = await host.create(modelFile('affine2.onnx', affineModel()));
    await expect(s.run({ x: tensor('f32', [1, 4]), b: tensor('f32', [3]) })).rejects.toThrow(
      "input 'x' axis 1 must be 3, got 4",
    );
    await s.dispose();
  });

  it('keeps the main thread responsive while a long run executes', async () => {
    const s = await host.create(modelFile('chain.onnx', matmulChainModel(512, 64)));
    const x = tensor('f32', [2048, 512], new Float32Array(2048 * 512).fill(0.01));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const started = performance.now();
    const out = await s.run({ x });
    const elapsed = performance.now() - started;
    clearInterval(timer);
    // NOTE: a blocking run on this thread gives 0 ticks
    // (docs/reference/ort-notes.md#run-blocks-the-js-thread); expect most 5 ms slots to fire.
    expect(elapsed).toBeGreaterThan(150);
    expect(ticks).toBeGreaterThan((elapsed / 5) * 0.3);
    expect((out.y as TensorValue).shape).toEqual([2048, 512]);
    await s.dispose();
  });
});
