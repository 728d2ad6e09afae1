// The UNet-forward figure for `npm run bench` on its own: an SD1.5-size UNet (random f32 weights) at 32×32
// latents, batch 1, CPU provider: build time, run time, peak RSS. The case itself lives in bench-train.ts.
import { fileURLToPath } from 'node:url';
import { benchTrain } from './bench-train';

/** @example for (const line of await benchUNet()) console.log(line) */
export async function benchUNet(): Promise<string[]> {
  const [, ...rows] = await benchTrain('SD1.5 UNet forward'); // its header speaks of training
  return ['UNet forward (CPU provider, batch 1, median of 3 runs; peak RSS of the whole process):', ...rows];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) for (const l of await benchUNet()) console.log(l);
