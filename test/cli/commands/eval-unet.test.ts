import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src-main/cli/main';
import { evalUnet } from '../../../src-main/cli/commands/eval-unet';
import {
  readSafetensorsHeader,
  readTensorF32,
  tensorFromF32,
  writeSafetensors,
} from '../../../src-main/formats/safetensors';
import { FAMILIES } from '../../../src-main/models/families';
import { makeTinyCheckpoints } from '../../../scripts/make-tiny-checkpoints';
import { memoryIo } from '../../fixtures/cli-io';

let dir = '';
let paths: Record<string, string> = {};
const wave = (n: number, f: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * f) * 0.7);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-eval-unet-'));
  paths = await makeTinyCheckpoints(join(dir, 'm'));
  const c = FAMILIES['tiny-sd1'].unet.crossAttentionDim;
  await writeSafetensors(join(dir, 'in.safetensors'), [
    tensorFromF32('sample', 'F32', [1, 4, 8, 8], wave(256, 0.3)),
    tensorFromF32('timestep', 'F32', [1], Float32Array.of(321)),
    tensorFromF32('encoder_hidden_states', 'F32', [1, 77, c], wave(77 * c, 0.05)),
  ]);
  await writeSafetensors(join(dir, 'step.safetensors'), [
    tensorFromF32('sample', 'F32', [1, 4, 8, 8], wave(256, 0.3)),
    tensorFromF32('timestep', 'F32', [1], Float32Array.of(500)),
    tensorFromF32('encoder_hidden_states', 'F32', [1, 77, c], wave(77 * c, 0.05)),
    tensorFromF32('target', 'F32', [1, 4, 8, 8], wave(256, 0.9)),
  ]);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const read = async (file: string, name: string) =>
  readTensorF32(await readSafetensorsHeader(join(dir, file)), name);

describe('tessera eval unet / lora-grad / merge', () => {
  it('the UNet with a runtime LoRA equals the UNet of the checkpoint with that LoRA merged in', async () => {
    const cache = ['--onnx-cache', 'onnx'];
    expect(
      await runCli(
        [
          'eval',
          'unet',
          '--model',
          paths['tiny-sd1'],
          '--inputs',
          'in.safetensors',
          '--out',
          'base.safetensors',
          ...cache,
        ],
        memoryIo(dir),
      ),
    ).toBe(0);
    expect(
      await runCli(
        [
          'eval',
          'unet',
          '--model',
          paths['tiny-sd1'],
          '--lora',
          paths['tiny-sd1-lora'],
          '--scale',
          '0.8',
          '--inputs',
          'in.safetensors',
          '--out',
          'lora.safetensors',
          ...cache,
        ],
        memoryIo(dir),
      ),
    ).toBe(0);
    expect(
      await runCli(
        [
          'merge',
          '--model',
          paths['tiny-sd1'],
          '--lora',
          paths['tiny-sd1-lora'],
          '--scale',
          '0.8',
          '--out',
          'merged.safetensors',
          '--dtype',
          'fp32',
        ],
        memoryIo(dir),
      ),
    ).toBe(0);
    expect(
      await runCli(
        [
          'eval',
          'unet',
          '--model',
          join(dir, 'merged.safetensors'),
          '--inputs',
          'in.safetensors',
          '--out',
          'merged-out.safetensors',
          ...cache,
        ],
        memoryIo(dir),
      ),
    ).toBe(0);
    const [base, lora, merged] = await Promise.all(
      ['base', 'lora', 'merged-out'].map((f) => read(`${f}.safetensors`, 'out')),
    );
    let diff = 0;
    let worst = 0;
    for (let i = 0; i < lora.length; i++) {
      diff = Math.max(diff, Math.abs(lora[i] - base[i]));
      worst = Math.max(worst, Math.abs(lora[i] - merged[i]));
    }
    expect(diff).toBeGreaterThan(1e-3);
    expect(worst).toBeLessThan(1e-4);
  });

  it("writes the MSE loss against a target and one gradient per LoRA matrix under the file's own keys", async () => {
    const out = memoryIo(dir);
    expect(
      await runCli(
        [
          'eval',
          'lora-grad',
          '--model',
          paths['tiny-sd1'],
          '--lora',
          paths['tiny-sd1-lora'],
          '--inputs',
          'step.safetensors',
          '--out',
          'grad.safetensors',
          '--onnx-cache',
          'onnx',
        ],
        out,
      ),
    ).toBe(0);
    const header = await readSafetensorsHeader(join(dir, 'grad.safetensors'));
    const names = [...header.tensors.keys()];
    expect(names).toContain('loss');
    const lora = await readSafetensorsHeader(paths['tiny-sd1-lora']);
    const matrices = [...lora.tensors.keys()].filter((k) => k.endsWith('.weight')).sort();
    expect(names.filter((n) => n !== 'loss').sort()).toEqual(matrices);
    for (const k of matrices) expect(header.tensors.get(k)?.shape).toEqual(lora.tensors.get(k)?.shape);
    expect(Number.isFinite((await readTensorF32(header, 'loss'))[0])).toBe(true);
  });

  it('evalUnet: SDXL reads text_embeds and time_ids, and names a missing input tensor', async () => {
    const add = FAMILIES['tiny-sdxl'].unet.addition!;
    const pooled = add.inputDim - 6 * add.timeEmbedDim;
    const c = FAMILIES['tiny-sdxl'].unet.crossAttentionDim;
    const base = [
      tensorFromF32('sample', 'F32', [2, 4, 8, 8], wave(512, 0.3)),
      tensorFromF32('timestep', 'F32', [2], Float32Array.of(20, 900)),
      tensorFromF32('encoder_hidden_states', 'F32', [2, 77, c], wave(2 * 77 * c, 0.05)),
      tensorFromF32('text_embeds', 'F32', [2, pooled], wave(2 * pooled, 0.2)),
    ];
    await writeSafetensors(join(dir, 'xl-partial.safetensors'), base);
    await writeSafetensors(join(dir, 'xl.safetensors'), [
      ...base,
      tensorFromF32('time_ids', 'F32', [2, 6], Float32Array.of(64, 64, 0, 0, 64, 64, 64, 64, 0, 0, 64, 64)),
    ]);
    const args = (inputs: string) => [
      '--model',
      paths['tiny-sdxl'],
      '--inputs',
      inputs,
      '--out',
      'xl-out.safetensors',
      '--onnx-cache',
      'onnx',
    ];
    await expect(evalUnet(args('xl-partial.safetensors'), memoryIo(dir))).rejects.toThrow(
      /no tensor 'time_ids'/,
    );
    await expect(evalUnet(['--model', paths['tiny-sdxl']], memoryIo(dir))).rejects.toThrow(
      /needs --model, --inputs/,
    );
    const out = memoryIo(dir);
    expect(await evalUnet(args('xl.safetensors'), out)).toBe(0);
    expect(out.lines.join('\n')).toMatch(/out \[2, 4, 8, 8\]/);
    const got = await read('xl-out.safetensors', 'out');
    expect(got.length).toBe(2 * 4 * 8 * 8);
    expect(Array.from(got).every(Number.isFinite)).toBe(true);
    expect(Array.from(got.slice(0, 256))).not.toEqual(Array.from(got.slice(256))); // the batch rows differ
  });
});
