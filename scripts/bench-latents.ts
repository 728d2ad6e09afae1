// Latent-cache throughput for `npm run bench`: N generated images encoded by the tiny test VAE on the CPU
// provider (bucketed at 128 px), then a second pass that only finds cache hits. Figures, not pass/fail.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { buildLatentCache } from '../src-main/dataset/latent-cache';
import { seededRng } from '../src-main/random';
import { VAE } from '../src-main/models/vae-run';
import { openCheckpoint } from '../src-main/models/weights';
import { makeTinyCheckpoints } from './make-tiny-checkpoints';

export async function benchLatents(count = 50): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-bench-latents-'));
  try {
    const paths = await makeTinyCheckpoints(join(dir, 'm'));
    const images: { path: string }[] = [];
    for (let i = 0; i < count; i++) {
      const rng = seededRng(i);
      const small = Buffer.from(Array.from({ length: 16 * 12 * 3 }, () => Math.floor(rng() * 256)));
      const path = join(dir, `${i}.jpg`);
      await sharp(small, { raw: { width: 16, height: 12, channels: 3 } })
        .resize(384, 288)
        .jpeg()
        .toFile(path);
      images.push({ path });
    }
    const vae = VAE.fromCheckpoint(await openCheckpoint(paths['tiny-sd1']), { cacheDir: join(dir, 'onnx') });
    const options = {
      dir: join(dir, 'latents'),
      modelId: await vae.encoderIdentity(),
      encoder: vae,
      settings: { bucket: { resolution: 128, minSide: 64, maxSide: 256, step: 64 }, flip: false },
    };
    const t0 = performance.now();
    await buildLatentCache(images, options);
    const encode = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const again = await buildLatentCache(images, options);
    const hits = (performance.now() - t1) / 1000;
    vae.dispose();
    return [
      `latent cache (tiny VAE, CPU, ${count} images at ~128 px: its mid-block attention then sees 64² tokens, as the SD VAE does at 512 px):`,
      `  encode + write        ${(count / encode).toFixed(1)} images/s (${encode.toFixed(1)} s)`,
      `  all hits              ${(count / hits).toFixed(0)} images/s (${again.hits} hits)`,
      `  peak RSS              ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
