// `tessera eval vae-encode` / `vae-decode` called in-process with a captured io, on a tiny checkpoint.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evalVaeDecode, evalVaeEncode } from '../../../src-main/cli/commands/eval-vae';
import type { CliIo } from '../../../src-main/cli/io';
import { readSafetensorsHeader, readTensorF32 } from '../../../src-main/formats/safetensors';
import { randn } from '../../../src-main/random';
import { makeTinyCheckpoints } from '../../../scripts/make-tiny-checkpoints';

let dir = '';
let model = '';

function memoryIo(cwd: string): CliIo & { lines: string[] } {
  const lines: string[] = [];
  return { lines, out: (l) => lines.push(l), err: (l) => lines.push(l), cwd };
}

async function png(path: string, width: number, height: number): Promise<void> {
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7) % 256;
  await sharp(data, { raw: { width, height, channels: 3 } })
    .png()
    .toFile(path);
}

async function latents(
  path: string,
): Promise<{ shape: number[]; data: Float32Array; meta: Record<string, string> }> {
  const header = await readSafetensorsHeader(path);
  const data = await readTensorF32(header, 'latents');
  return { shape: header.tensors.get('latents')!.shape, data, meta: header.metadata };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-eval-vae-'));
  model = (await makeTinyCheckpoints(join(dir, 'models')))['tiny-sd1'];
  await png(join(dir, 'in.png'), 24, 16);
  await png(join(dir, 'odd.png'), 15, 16);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const common = () => ['--model', model, '--onnx-cache', 'onnx'];

describe('evalVaeEncode / evalVaeDecode', () => {
  it('encodes an image to scaled latents (mean, or sampled with --seed) and decodes them to a PNG', async () => {
    const io = memoryIo(dir);
    expect(await evalVaeEncode([...common(), '--image', 'in.png', '--out', 'mean.safetensors'], io)).toBe(0);
    expect(
      await evalVaeEncode([...common(), '--image', 'in.png', '--out', 's.safetensors', '--seed', '7'], io),
    ).toBe(0);
    const mean = await latents(join(dir, 'mean.safetensors'));
    const sampled = await latents(join(dir, 's.safetensors'));
    expect(mean.shape).toEqual([1, 4, 8, 12]); // the tiny VAE halves each side
    expect(mean.meta).toMatchObject({ 'tessera.scaling_factor': '0.18215', 'tessera.mode': 'mean' });
    expect(sampled.meta['tessera.mode']).toBe('sample seed 7');
    // sample − mean = exp(½·logvar)·ε·scale: same sign as the seed's ε everywhere.
    const eps = randn(7, mean.shape);
    expect(sampled.data.every((v, i) => Math.sign(v - mean.data[i]) === Math.sign(eps[i]))).toBe(true);
    expect(io.lines[0]).toMatch(/mean\.safetensors: latents \[1, 4, 8, 12\]/);

    const plain = [...common(), '--latents', 'mean.safetensors', '--out', 'plain.png'];
    expect(await evalVaeDecode(plain, io)).toBe(0);
    const tiled = [
      ...common(),
      '--latents',
      'mean.safetensors',
      '--out',
      't.png',
      '--tiled',
      '--tile',
      '6',
      '--overlap',
      '2',
    ];
    expect(await evalVaeDecode(tiled, io)).toBe(0);
    for (const name of ['plain.png', 't.png']) {
      const meta = await sharp(join(dir, name)).metadata();
      expect([meta.format, meta.width, meta.height, meta.channels]).toEqual(['png', 24, 16, 3]);
    }
    expect(io.lines.at(-1)).toMatch(/t\.png: 24×16 \(tiled\)/);
  });

  it('explains wrong input: missing options, odd image sizes, files without latents', async () => {
    const io = memoryIo(dir);
    await expect(evalVaeEncode(['--model', model], io)).rejects.toThrow(/missing --image, --out/);
    await expect(
      evalVaeEncode([...common(), '--image', 'in.png', '--out', 'x', '--seed', 'abc'], io),
    ).rejects.toThrow(/--seed must be a non-negative integer/);
    await expect(
      evalVaeEncode([...common(), '--image', 'odd.png', '--out', 'x.safetensors'], io),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/15×16; the VAE needs width and height in multiples of 2/),
    });
    await expect(evalVaeDecode([...common(), '--latents', model, '--out', 'x.png'], io)).rejects.toThrow(
      /expected a tensor 'latents' of shape \[1, C, h, w\]/,
    );
    await expect(
      evalVaeDecode([...common(), '--latents', 'a', '--out', 'b', '--tile', '4'], io),
    ).rejects.toThrow(/--tile and --overlap need --tiled/);
  });
});
