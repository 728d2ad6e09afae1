// `npm run bench`: prints speed and memory figures (never pass/fail). Each area adds its own section.
// So far: dataset import + thumbnails. Engine and training figures are still to be added (see README).
import { benchImport } from './bench-dataset';

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 200);
  const r = await benchImport(n);
  console.log(`dataset: ${r.images} images`);
  console.log(
    `  import + thumbnail   ${r.importPerSecond.toFixed(1)} images/s (${r.importSeconds.toFixed(1)} s)`,
  );
  console.log(
    `  thumbnails alone     ${r.thumbPerSecond.toFixed(1)} images/s (${r.thumbSeconds.toFixed(1)} s)`,
  );
  console.log(`  peak RSS             ${r.peakRssMiB.toFixed(0)} MiB, skipped ${r.skipped}`);
}

void main();
