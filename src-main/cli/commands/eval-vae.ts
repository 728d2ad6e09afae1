// `tessera eval vae-encode` / `eval vae-decode`: the VAE alone, file in and file out, for engine-level checks
// against diffusers (`AutoencoderKL.encode(x).latent_dist` · scaling_factor and `decode(z / scaling_factor)`).
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ApiError } from '../../api/errors';
import { normalizedImage } from '../../dataset/image-decode';
import {
  readSafetensorsHeader,
  readTensorF32,
  tensorFromF32,
  writeSafetensors,
} from '../../formats/safetensors';
import { rgbToTensor, type NCHW } from '../../models/vae-image';
import { VAE } from '../../models/vae-run';
import { openCheckpoint } from '../../models/weights';
import { TorchCpuGenerator } from '../../random';
import { pixelsToPng } from '../../sample/txt2img';
import { UsageError, type CliIo } from '../io';

export const EVAL_VAE_ENCODE_USAGE = `Usage: tessera eval vae-encode --model M --image IN.png --out OUT.safetensors [--seed N]

Encodes one image with the model's VAE and writes the scaled latents (tensor 'latents', [1, 4, H/8, W/8]).
Without --seed the latents are the distribution mean; with it they are sampled with torch's CPU RNG.
Width and height must be multiples of 8.

  --onnx-cache DIR   where compiled models are kept (default: the system temp folder)`;

export const EVAL_VAE_DECODE_USAGE = `Usage: tessera eval vae-decode --model M --latents IN.safetensors --out OUT.png [--tiled [--tile N --overlap N]]

Decodes scaled latents (tensor 'latents', or the file's only tensor, [1, 4, h, w]) into an 8-bit RGB PNG.
--tiled decodes overlapping latent tiles (default 64 with overlap 16) and blends them, for large images.

  --onnx-cache DIR   where compiled models are kept (default: the system temp folder)`;

const LATENTS = 'latents';

function required(values: Record<string, unknown>, names: readonly string[], usage: string): void {
  const missing = names.filter((n) => typeof values[n] !== 'string');
  if (missing.length) throw new UsageError(`missing ${missing.map((n) => `--${n}`).join(', ')}\n${usage}`);
}

function integer(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a non-negative integer, got '${value}'`);
  return Number(value);
}

async function loadVAE(io: CliIo, model: string, onnxCache?: string): Promise<VAE> {
  const ckpt = await openCheckpoint(resolve(io.cwd, model));
  return VAE.fromCheckpoint(ckpt, onnxCache ? { cacheDir: resolve(io.cwd, onnxCache) } : {});
}

async function readImage(path: string, downscale: number): Promise<NCHW> {
  const { data, info } = await normalizedImage(path)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width % downscale || info.height % downscale)
    throw new ApiError(
      'INVALID_ARGUMENT',
      `${path} is ${info.width}×${info.height}; the VAE needs width and height in multiples of ${downscale}`,
    );
  return rgbToTensor([{ data: new Uint8Array(data), width: info.width, height: info.height }]);
}

/**
 * `tessera eval vae-encode`: image → scaled latents safetensors; returns the exit code.
 * @example await evalVaeEncode(['--model', 'sd15.safetensors', '--image', 'cat.png', '--out', 'z.safetensors'], processIo)
 */
export async function evalVaeEncode(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      model: { type: 'string' },
      image: { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string' },
      'onnx-cache': { type: 'string' },
    },
  });
  required(values, ['model', 'image', 'out'], EVAL_VAE_ENCODE_USAGE);
  const seed = integer(values.seed, 'seed');
  const vae = await loadVAE(io, values.model!, values['onnx-cache']);
  try {
    const pixels = await readImage(resolve(io.cwd, values.image!), vae.downscale);
    const latents = await vae.encode(pixels, seed === undefined ? undefined : new TorchCpuGenerator(seed));
    const out = resolve(io.cwd, values.out!);
    await writeSafetensors(out, [tensorFromF32(LATENTS, 'F32', [...latents.shape], latents.data)], {
      'tessera.scaling_factor': String(vae.config.scalingFactor),
      'tessera.mode': seed === undefined ? 'mean' : `sample seed ${seed}`,
    });
    io.out(`${out}: latents [${latents.shape.join(', ')}] (× ${vae.config.scalingFactor})`);
    return 0;
  } finally {
    vae.dispose();
  }
}

async function readLatents(path: string): Promise<NCHW> {
  const header = await readSafetensorsHeader(path);
  const names = [...header.tensors.keys()];
  const name = header.tensors.has(LATENTS) ? LATENTS : names.length === 1 ? names[0] : undefined;
  const shape = name ? header.tensors.get(name)!.shape : [];
  if (!name || shape.length !== 4 || shape[0] !== 1)
    throw new ApiError(
      'INVALID_ARGUMENT',
      `${path}: expected a tensor 'latents' of shape [1, C, h, w]; found ${names.join(', ') || 'no tensors'}`,
    );
  return { data: await readTensorF32(header, name), shape: [shape[0], shape[1], shape[2], shape[3]] };
}

/**
 * `tessera eval vae-decode`: scaled latents safetensors → PNG; returns the exit code.
 * @example await evalVaeDecode(['--model', 'sd15.safetensors', '--latents', 'z.safetensors', '--out', 'x.png', '--tiled'], processIo)
 */
export async function evalVaeDecode(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      model: { type: 'string' },
      latents: { type: 'string' },
      out: { type: 'string' },
      tiled: { type: 'boolean' },
      tile: { type: 'string' },
      overlap: { type: 'string' },
      'onnx-cache': { type: 'string' },
    },
  });
  required(values, ['model', 'latents', 'out'], EVAL_VAE_DECODE_USAGE);
  const tile = integer(values.tile, 'tile');
  const overlap = integer(values.overlap, 'overlap');
  if (!values.tiled && (tile !== undefined || overlap !== undefined))
    throw new UsageError('--tile and --overlap need --tiled');
  const latents = await readLatents(resolve(io.cwd, values.latents!));
  const vae = await loadVAE(io, values.model!, values['onnx-cache']);
  try {
    const tiles = { ...(tile === undefined ? {} : { tile }), ...(overlap === undefined ? {} : { overlap }) };
    const pixels = values.tiled ? await vae.decodeTiled(latents, tiles) : await vae.decode(latents);
    const [, , height, width] = pixels.shape;
    const out = resolve(io.cwd, values.out!);
    await writeFile(out, await pixelsToPng(pixels.data, width, height));
    io.out(`${out}: ${width}×${height}${values.tiled ? ' (tiled)' : ''}`);
    return 0;
  } finally {
    vae.dispose();
  }
}
