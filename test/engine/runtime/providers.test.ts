import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bindingDir, createSession, devices } from '../../../src-main/engine/runtime/providers';
import { tensor, type TensorValue } from '../../../src-main/engine/runtime/tensor-io';
import { affineModel } from './models';

const dir = mkdtempSync(join(tmpdir(), 'tessera-providers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const here = `${process.platform}-${process.arch}`;
const hasRenderNode = existsSync('/dev/dri') && readdirSync('/dev/dri').some((f) => f.startsWith('renderD'));
const hasCuda = existsSync(join(bindingDir(), 'libonnxruntime_providers_cuda.so'));

describe('providers', () => {
  it('bindingDir points at the native binding of this platform', () => {
    expect(existsSync(bindingDir())).toBe(true);
  });

  it.runIf(here === 'linux-x64' && !hasRenderNode && !hasCuda)(
    'devices(): cpu used, webgpu and cuda not, each with a reason',
    async () => {
      const report = await devices();
      const by = Object.fromEntries(report.providers.map((p) => [p.name, p]));
      expect(report.chosen).toBe('cpu');
      expect(by.cpu).toEqual({ name: 'cpu', status: 'used', reason: '' });
      expect(by.webgpu.status).toBe('unavailable');
      expect(by.webgpu.reason).toMatch(/no GPU render node/);
      expect(by.cuda.status).toBe('not-installed');
      expect(by.cuda.reason).toMatch(/libonnxruntime_providers_cuda\.so is not in/);
      expect(by.tensorrt.status).toBe('not-installed');
      expect(by.dml).toMatchObject({ status: 'not-on-platform' });
      expect(by.coreml).toMatchObject({ status: 'not-on-platform' });
    },
  );

  it('devices() for another platform reports its table without probing', async () => {
    const report = await devices({ platform: 'linux-arm64' });
    expect(report.chosen).toBe('cpu');
    expect(report.providers.find((p) => p.name === 'cpu')?.status).toBe('used');
    expect(report.providers.filter((p) => p.status === 'not-on-platform').map((p) => p.name)).toEqual([
      'cuda',
      'tensorrt',
      'dml',
      'coreml',
      'webgpu',
    ]);
  });

  it('createSession falls back along the chain and logs why', async () => {
    const path = join(dir, 'affine.onnx');
    writeFileSync(path, affineModel());
    const lines: string[] = [];
    const { session, skipped } = await createSession(
      path,
      {},
      { prefer: ['coreml', 'cuda', 'cpu'], log: (l) => lines.push(l) },
    );
    expect(session.providers).toEqual(['cpu']);
    expect(skipped.map((s) => s.name)).toContain('coreml');
    if (!hasCuda)
      expect(lines.some((l) => l.startsWith('provider cuda skipped: libonnxruntime_providers_cuda.so'))).toBe(
        true,
      );
    const out = await session.run({
      x: tensor('f32', [1, 3]),
      b: tensor('f32', [3], new Float32Array([1, 2, 3])),
    });
    expect(Array.from((out.y as TensorValue).data as Float32Array)).toEqual([1, 2, 3]);
    session.dispose();
  });
});
