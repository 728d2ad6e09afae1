// Dataset scale check for `npm run bench`: generate N photo-like JPEGs, import them (decode check +
// thumbnail in one pass), then rebuild all thumbnails alone; prints images/s and peak RSS.
// Usage: tsx scripts/bench-dataset.ts [N=200]
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { importImages } from '../src-main/dataset/import';
import { Thumbnailer } from '../src-main/dataset/thumbs';
import { seededRng } from '../src-main/random';

export interface DatasetBench {
  images: number;
  generateSeconds: number;
  importSeconds: number;
  importPerSecond: number;
  thumbSeconds: number;
  thumbPerSecond: number;
  peakRssMiB: number;
  skipped: number;
}

/** Smooth random content (a tiny random image blown up), so JPEG sizes and decode costs look like photos. */
async function writePhoto(path: string, index: number): Promise<void> {
  const rng = seededRng(index);
  const small = Buffer.from(Array.from({ length: 32 * 24 * 3 }, () => Math.floor(rng() * 256)));
  const [width, height] = index % 3 === 0 ? [1024, 768] : index % 3 === 1 ? [768, 1024] : [1216, 832];
  await sharp(small, { raw: { width: 32, height: 24, channels: 3 } })
    .resize(width, height, { kernel: 'cubic' })
    .jpeg({ quality: 90 })
    .toFile(path);
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await work();
  return [value, (performance.now() - start) / 1000];
}

/** Runs the whole check in a temp folder and removes it afterwards. Example: `await benchImport(200)`. */
export async function benchImport(n: number): Promise<DatasetBench> {
  const root = await mkdtemp(join(tmpdir(), 'tessera-bench-dataset-'));
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
  try {
    const drop = join(root, 'drop');
    await mkdir(drop);
    const [, generateSeconds] = await timed(async () => {
      for (let i = 0; i < n; i++) await writePhoto(join(drop, `img-${String(i).padStart(5, '0')}.jpg`), i);
    });
    const thumbsDir = join(root, 'project', 'cache', 'thumbs');
    const [report, importSeconds] = await timed(() =>
      importImages([drop], { datasetDir: join(root, 'project', 'dataset'), thumbsDir, minSide: 512 }),
    );
    const thumbs = new Thumbnailer({ thumbsDir: join(root, 'thumbs-again'), concurrency: 3 });
    const [, thumbSeconds] = await timed(async () => {
      for (const image of report.imported) await thumbs.request(image.path, image.hash);
      await thumbs.idle();
    });
    return {
      images: report.imported.length,
      generateSeconds,
      importSeconds,
      importPerSecond: report.imported.length / importSeconds,
      thumbSeconds,
      thumbPerSecond: report.imported.length / thumbSeconds,
      peakRssMiB: Math.max(peak, process.resourceUsage().maxRSS * 1024) / 2 ** 20,
      skipped: report.skipped.length,
    };
  } finally {
    clearInterval(sampler);
    await rm(root, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const n = Number(process.argv[2] ?? 200);
  const result = await benchImport(n);
  const f = (x: number): string => x.toFixed(1);
  console.log(
    `dataset: ${result.images} images (${result.skipped} skipped) · import+thumbnail ${f(result.importPerSecond)} img/s ` +
      `(${f(result.importSeconds)} s) · thumbnails alone ${f(result.thumbPerSecond)} img/s · peak RSS ${f(result.peakRssMiB)} MiB`,
  );
}
