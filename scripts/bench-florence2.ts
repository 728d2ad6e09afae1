// Florence-2 captioning throughput for `npm run bench caption`: N photo-sized JPEGs captioned at the real
// input size (768×768) by the tiny random export on the CPU provider. The network is tiny, so the figure is
// the pipeline's own cost (decode, resize, normalise, four sessions, decoding loop), not the real model's.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { openFlorence2Captioner, type Florence2Options } from '../src-main/caption/florence2';
import { seededRng } from '../src-main/random';
import { makeTinyFlorence2 } from '../test/fixtures/tiny-florence2';

export interface Florence2Bench {
  images: number;
  seconds: number;
  imagesPerSecond: number;
  beams: number;
  maxNewTokens: number;
}

/**
 * Captions `count` generated 1024×768 JPEGs and times it (model load excluded).
 * @example const r = await benchFlorence2(8, { task: 'caption', beams: 3, maxNewTokens: 32 });
 */
export async function benchFlorence2(
  count = 8,
  options: Florence2Options = { task: 'caption', beams: 3, maxNewTokens: 32 },
  threads?: number,
): Promise<Florence2Bench> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-bench-florence2-'));
  try {
    const { dir: model } = await makeTinyFlorence2(join(dir, 'model'));
    const paths: string[] = [];
    for (let i = 0; i < count; i++) {
      const rng = seededRng(i);
      const small = Buffer.from(Array.from({ length: 16 * 12 * 3 }, () => Math.floor(rng() * 256)));
      const path = join(dir, `${i}.jpg`);
      await sharp(small, { raw: { width: 16, height: 12, channels: 3 } })
        .resize(1024, 768)
        .jpeg()
        .toFile(path);
      paths.push(path);
    }
    const captioner = await openFlorence2Captioner(model, options, { provider: 'cpu', threads });
    try {
      const start = performance.now();
      await captioner.caption(paths);
      const seconds = (performance.now() - start) / 1000;
      return {
        images: count,
        seconds,
        imagesPerSecond: count / seconds,
        beams: options.beams ?? 3,
        maxNewTokens: options.maxNewTokens ?? 256,
      };
    } finally {
      await captioner.dispose();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The bench section's lines. */
export function florence2BenchLines(r: Florence2Bench): string[] {
  return [
    `caption (florence2, tiny random model, 768×768 input, ${r.beams} beams, ≤${r.maxNewTokens} tokens, cpu):`,
    `  ${r.imagesPerSecond.toFixed(2)} images/s (${r.images} images in ${r.seconds.toFixed(2)} s)`,
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  void benchFlorence2().then((r) => {
    for (const line of florence2BenchLines(r)) console.log(line);
  });
}
