// `npm run bench [section] [filter]`: prints speed and memory figures (never pass/fail), one section per
// area. Sections: engine (conv stack, 4096-token attention, 20k-node session, ops/lines), dataset (import + thumbnails), latents (latent-cache throughput), train (UNet forward and training step, tiny and SD1.5 size), caption (WD tagger pipeline at 448², Florence-2 decoding at 768²).
import { benchCaption } from './bench-caption';
import { benchFlorence2, florence2BenchLines } from './bench-florence2';
import { benchImport } from './bench-dataset';
import { benchEngine } from './bench-engine';
import { benchLatents } from './bench-latents';
import { benchTrain } from './bench-train';

async function dataset(): Promise<string[]> {
  const r = await benchImport(200);
  return [
    `dataset: ${r.images} images`,
    `  import + thumbnail   ${r.importPerSecond.toFixed(1)} images/s (${r.importSeconds.toFixed(1)} s)`,
    `  thumbnails alone     ${r.thumbPerSecond.toFixed(1)} images/s (${r.thumbSeconds.toFixed(1)} s)`,
    `  peak RSS             ${r.peakRssMiB.toFixed(0)} MiB, skipped ${r.skipped}`,
  ];
}

const SECTIONS: Record<string, (filter: string) => Promise<string[]>> = {
  engine: benchEngine,
  dataset,
  latents: () => benchLatents(),
  train: benchTrain,
  caption: async () => [...(await benchCaption()), ...florence2BenchLines(await benchFlorence2())],
};

async function main(): Promise<void> {
  const [only, filter = ''] = process.argv.slice(2);
  for (const [name, section] of Object.entries(SECTIONS)) {
    if (only && only !== name) continue;
    for (const line of await section(filter)) console.log(line);
  }
}

void main();
