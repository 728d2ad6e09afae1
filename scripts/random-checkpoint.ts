// Full-size checkpoints (the UNet alone, or UNet + text encoders + VAE) with random weights for the benches (`npm run bench`, scripts/bench-gpu.ts): the real
// single-file key layout and shapes of a family, values drawn fast (uniform, with the variance the tiny
// checkpoints use: weights 1/fan_in, norms ≈ 1), written once and reused. Figures, not numerics: the
// numerical checks use the tiny checkpoints and the reference implementations.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { f32ToF16, writeSafetensors } from '../src-main/formats/safetensors/index';
import { FAMILIES, type FamilyId } from '../src-main/models/families';
import { LDM_UNET_PREFIX, singleFileKeys } from '../src-main/models/keymap/ldm';
import { unetKeys } from '../src-main/models/keymap/unet';

/** xorshift32 uniform in (−1, 1), scaled so its standard deviation is `std`, plus `offset`. */
function uniform(n: number, seed: number, std: number, offset: number): Float32Array {
  const out = new Float32Array(n);
  const a = std * Math.sqrt(3) * 2 ** -31; // uniform(−1, 1) has variance 1/3
  let x = seed | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = offset + x * a;
  }
  return out;
}

function seedOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h;
}

/**
 * Writes (once) a single-file checkpoint of `family` with random weights in `dtype`: the UNet alone, or the
 * whole model (UNet, text encoders, VAE) as A1111 users keep it; returns its path.
 * @example const path = await randomCheckpoint('sd1', 'F32', 'unet', '/tmp/bench/sd1-unet-f32.safetensors')
 */
export async function randomCheckpoint(
  family: FamilyId,
  dtype: 'F32' | 'F16',
  parts: 'unet' | 'full',
  path: string,
): Promise<string> {
  if (existsSync(path)) return path;
  await mkdir(dirname(path), { recursive: true });
  const config = FAMILIES[family];
  const keys =
    parts === 'unet'
      ? unetKeys(config.unet, 'ldm').map((k) => ({ ...k, key: LDM_UNET_PREFIX + k.key }))
      : singleFileKeys(config);
  const tensors = keys.map((k) => ({
    name: k.key,
    dtype,
    shape: k.shape,
    data: async () => {
      const n = k.shape.reduce((a, b) => a * b, 1);
      const fanIn = k.shape.length > 1 ? n / k.shape[0] : 1;
      const std = k.kind === 'weight' ? 1 / Math.sqrt(fanIn) : k.kind === 'scalar' ? 0 : 0.02;
      const v = uniform(n, seedOf(k.key), std, k.kind === 'norm-weight' ? 1 : 0);
      const bytes = dtype === 'F16' ? f32ToF16(v) : v;
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
  }));
  await writeSafetensors(path, tensors, { 'modelspec.prediction_type': 'epsilon' });
  return path;
}
