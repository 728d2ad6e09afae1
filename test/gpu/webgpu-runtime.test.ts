// WebGPU EP against the CPU EP on the same emitted graph, with state kept on the device between runs.
// Runs wherever WebGPU can start (in CI: Mesa lavapipe from bookworm-backports); skipped with the reason otherwise.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { emitModel } from '../../src-main/engine/onnx/emit';
import { devices } from '../../src-main/engine/runtime/providers';
import { DeviceTensor, readBack, Session, type Feed } from '../../src-main/engine/runtime/session';
import { SessionHost, type DeviceRef } from '../../src-main/engine/runtime/thread';
import { tensor, type TensorValue } from '../../src-main/engine/runtime/tensor-io';
import { Nodes } from '../engine/onnx/nodes';

import { webgpuUnavailable } from './gate';

const reason = await webgpuUnavailable();
const dir = mkdtempSync(join(tmpdir(), 'tessera-gpu-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One SGD step on loss = sum(p²): p_new = p - 0.25·2p, loss reported. */
function sgdModel(): string {
  const g = new Nodes();
  const p = g.input('p', [4]);
  const sq = g.op('Mul', 'f32', [4], [p, p]);
  const loss = g.op('ReduceSum', 'f32', [], [sq], { keepdims: 0 });
  const half = g.constant(new Float32Array([0.5]), []);
  const p_new = g.op('Sub', 'f32', [4], [p, g.op('Mul', 'f32', [4], [p, half])]);
  const path = join(dir, 'sgd.onnx');
  writeFileSync(path, emitModel({ loss, p_new }).bytes);
  return path;
}

describe.skipIf(reason !== null)(`webgpu${reason ? ` (skipped: ${reason})` : ''}`, () => {
  it('devices() can use webgpu when software adapters are allowed', async () => {
    const report = await devices({ allowSoftwareGpu: true });
    expect(report.providers.find((p) => p.name === 'webgpu')?.status).toBe('used');
  });

  it('keeps state on the device between runs and reads it back through an Identity session', async () => {
    const path = sgdModel();
    const gpu = await Session.create(path, { providers: ['webgpu'], keepOnDevice: ['p_new'] });
    let p: Feed = tensor('f32', [4], new Float32Array([1, 2, 3, 4]));
    const losses: number[] = [];
    for (let step = 0; step < 3; step++) {
      const out = await gpu.run({ p });
      expect(out.p_new).toBeInstanceOf(DeviceTensor);
      losses.push(((out.loss as TensorValue).data as Float32Array)[0]);
      p = out.p_new;
    }
    expect(losses).toEqual([30, 7.5, 1.875]);
    const final = await readBack(p as DeviceTensor);
    expect(Array.from(final.data as Float32Array)).toEqual([0.125, 0.25, 0.375, 0.5]);
    gpu.dispose();
  });

  it('the worker host passes device refs back and forth', async () => {
    const host = new SessionHost();
    try {
      const s = await host.create(
        sgdModel(),
        { keepOnDevice: ['p_new'] },
        { prefer: ['webgpu'], allowSoftwareGpu: true },
      );
      expect(s.provider).toBe('webgpu');
      const first = await s.run({ p: tensor('f32', [4], new Float32Array([4, 4, 4, 4])) });
      const second = await s.run({ p: first.p_new });
      const ref = second.p_new as DeviceRef;
      expect(Array.from((await host.readBack(ref)).data as Float32Array)).toEqual([1, 1, 1, 1]);
      await host.release(ref);
    } finally {
      await host.close();
    }
  });
});
