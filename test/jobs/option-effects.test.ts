// Every training option does something (issue 16): for each option in train/config.ts, a short real job on the
// tiny SD1 checkpoint with the option changed, against the same job without the change, shows the effect its help
// promises — different adapter weights, learning rates, step counts, files, dtype or previews — or, for the two
// options whose help promises the same result (memory/speed only), the same weights. The table is typed by
// TrainConfig's keys, so an option added without an effect test does not compile.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensorsHeader } from '../../src-main/formats/safetensors';
import { loadLoRA } from '../../src-main/lora/load';
import { OPTIONS, resolveConfig, type TrainConfig } from '../../src-main/train/config';
import { runTrainJob } from '../../src-main/jobs/train-job';
import { readMetrics } from '../../src-main/train/metrics';
import { makeTinyCheckpoints } from '../../scripts/make-tiny-checkpoints';

/** What a run is judged by. */
type Observable = 'weights' | 'loss' | 'lr' | 'steps' | 'files' | 'dtype' | 'samples';

type Effect =
  /** Changing the option from `base` to `base + change` changes what `shows`. */
  | { base?: Partial<TrainConfig>; change: Partial<TrainConfig>; shows: Observable; prompts?: true }
  /** The help promises the same adapter (memory or speed only): weights equal within `tolerance`. */
  | { base?: Partial<TrainConfig>; change: Partial<TrainConfig>; same: string; tolerance: number };

const EFFECTS = {
  rank: { change: { rank: 4, alpha: 4 }, shows: 'weights' },
  alpha: { change: { alpha: 1 }, shows: 'weights' },
  targets: { change: { targets: 'transformer' }, shows: 'weights' },
  resolution: { change: { resolution: 96 }, shows: 'weights' },
  batchSize: { change: { batchSize: 2 }, shows: 'weights' },
  gradientAccumulation: { change: { gradientAccumulation: 2 }, shows: 'weights' },
  maxSteps: { change: { maxSteps: 1 }, shows: 'steps' },
  epochs: { base: { maxSteps: 0, epochs: 1 }, change: { epochs: 2 }, shows: 'steps' },
  optimizer: { change: { optimizer: 'prodigy' }, shows: 'weights' },
  learningRate: { change: { learningRate: 1e-3 }, shows: 'weights' },
  weightDecay: { change: { weightDecay: 0.5 }, shows: 'weights' },
  beta1: { change: { beta1: 0.5 }, shows: 'weights' },
  beta2: { change: { beta2: 0.5 }, shows: 'weights' },
  epsilon: { change: { epsilon: 1e-3 }, shows: 'weights' },
  lrSchedule: { change: { lrSchedule: 'cosine' }, shows: 'lr' },
  warmupSteps: { change: { warmupSteps: 2 }, shows: 'lr' },
  lrCycles: {
    base: { lrSchedule: 'cosine_with_restarts', maxSteps: 4 },
    change: { lrCycles: 2 },
    shows: 'lr',
  },
  lrPower: { base: { lrSchedule: 'polynomial' }, change: { lrPower: 2 }, shows: 'lr' },
  maxGradNorm: { change: { maxGradNorm: 1e-4 }, shows: 'weights' },
  // NOTE: at t ≥ ~150 every weight is 1 (SNR < γ), and a per-step scale barely moves Adam: judged by the loss.
  minSnrGamma: { base: { timestepMax: 100 }, change: { minSnrGamma: 0 }, shows: 'loss' },
  noiseOffset: { change: { noiseOffset: 0.3 }, shows: 'weights' },
  timestepMin: { change: { timestepMin: 600 }, shows: 'weights' },
  timestepMax: { change: { timestepMax: 300 }, shows: 'weights' },
  seed: { change: { seed: 7 }, shows: 'weights' },
  precision: { change: { precision: 'fp16' }, same: 'the CPU trains in fp32 (its help)', tolerance: 0 },
  gradientCheckpointing: {
    change: { gradientCheckpointing: true },
    same: 'recomputes activations: memory, not results',
    tolerance: 1e-5,
  },
  recomputeAttention: {
    change: { recomputeAttention: true },
    same: 'recomputes the attention maps: memory, not results',
    tolerance: 0,
  },
  saveEverySteps: { change: { saveEverySteps: 1 }, shows: 'files' },
  saveEveryEpochs: { base: { maxSteps: 0, epochs: 2 }, change: { saveEveryEpochs: 1 }, shows: 'files' },
  sampleEverySteps: { change: { sampleEverySteps: 1 }, shows: 'samples', prompts: true },
  saveDtype: { change: { saveDtype: 'fp16' }, shows: 'dtype' },
  shuffleTags: { change: { shuffleTags: true }, shows: 'weights' },
  keepTokens: { base: { shuffleTags: true }, change: { keepTokens: 0 }, shows: 'weights' },
  captionDropout: { change: { captionDropout: 0.9 }, shows: 'weights' },
  tagDropout: { change: { tagDropout: 0.9 }, shows: 'weights' },
  flip: { change: { flip: true }, shows: 'weights' },
  randomCrop: { change: { randomCrop: true }, shows: 'weights' },
} as const satisfies Record<keyof TrainConfig, Effect>;

const BASE: Partial<TrainConfig> = {
  resolution: 64,
  maxSteps: 2,
  learningRate: 3e-3,
  lrSchedule: 'constant_with_warmup',
  warmupSteps: 0,
  saveEverySteps: 0,
  sampleEverySteps: 0,
  rank: 2,
  alpha: 2,
  saveDtype: 'fp32',
  minSnrGamma: 5,
};

interface Observed {
  weights: number[];
  loss: number[];
  lr: number[];
  steps: number;
  files: string[];
  dtype: string;
  samples: string[];
}

let dir = '';
let model = '';

/** Three images with several tags each; one wider than its 64×64 bucket (so crops can move). */
async function dataset(at: string): Promise<void> {
  await mkdir(at, { recursive: true });
  const specs = [
    ['a', 64, 64, 'ink, cat, black, small, sitting'],
    ['b', 112, 64, 'ink, dog, brown, large, running'],
    ['c', 64, 64, 'ink, bird, blue, tiny, flying'],
  ] as const;
  for (const [name, w, h, caption] of specs) {
    const px = Buffer.from(
      Array.from({ length: w * h * 3 }, (_, i) => (((i / 3) | 0) % w) * 2 + name.charCodeAt(0)),
    );
    const png = await sharp(px, { raw: { width: w, height: h, channels: 3 } })
      .png()
      .toBuffer();
    await writeFile(join(at, `${name}.png`), png);
    await writeFile(join(at, `${name}.txt`), caption);
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-options-'));
  model = (await makeTinyCheckpoints(join(dir, 'm')))['tiny-sd1'];
  await dataset(join(dir, 'data'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const runs = new Map<string, Promise<Observed>>();

/** One job (memoised by its settings): what it left behind. */
function observe(over: Partial<TrainConfig>, prompts = false): Promise<Observed> {
  const key = JSON.stringify([over, prompts]);
  let run = runs.get(key);
  if (!run) {
    run = runJob(join(dir, `run-${runs.size}`), over, prompts);
    runs.set(key, run);
  }
  return run;
}

async function runJob(runDir: string, over: Partial<TrainConfig>, prompts: boolean): Promise<Observed> {
  const outcome = await runTrainJob(
    {
      runDir,
      modelPath: model,
      datasetDir: join(dir, 'data'),
      name: 'ink',
      cacheDir: join(dir, 'cache'),
      config: resolveConfig({ ...BASE, ...over }),
      ...(prompts ? { samplePrompts: ['ink cat --w 32 --h 32 --s 1'] } : {}),
    },
    { post: () => {} },
  );
  expect(outcome.status).toBe('finished');
  const { adapter } = await loadLoRA(outcome.adapterPath);
  const modules = [...adapter.modules].sort((x, y) => x.module.localeCompare(y.module));
  const header = await readSafetensorsHeader(outcome.adapterPath);
  const samples = join(runDir, 'samples');
  const metrics = await readMetrics(runDir);
  const down = [...header.tensors.entries()].find(([name]) => name.endsWith('lora_down.weight'));
  return {
    weights: modules.flatMap((m) => [...m.A, ...m.B]),
    loss: metrics.map((m) => m.loss),
    lr: metrics.map((m) => m.lr),
    steps: outcome.step,
    files: (await readdir(runDir)).filter((f) => f.endsWith('.safetensors')).sort(),
    dtype: down?.[1].dtype ?? 'none',
    samples: existsSync(samples) ? (await readdir(samples)).filter((f) => /^step\d+/.test(f)).sort() : [],
  };
}

describe('every training option has the effect its help promises', () => {
  it('the table covers every option the Train screen and the CLI offer', () => {
    expect(Object.keys(EFFECTS).sort()).toEqual(OPTIONS.map((o) => o.key).sort());
  });

  for (const [key, effect] of Object.entries(EFFECTS) as [keyof TrainConfig, Effect][]) {
    const what = 'same' in effect ? `the same adapter (${effect.same})` : effect.shows;
    it(`${key}: ${JSON.stringify(effect.change)} changes ${what}`, async () => {
      const base = effect.base ?? {};
      const prompts = 'prompts' in effect && effect.prompts === true;
      const [before, after] = [
        await observe(base, prompts),
        await observe({ ...base, ...effect.change }, prompts),
      ];
      if ('same' in effect) {
        expect(after.weights.length).toBe(before.weights.length);
        const worst = Math.max(...after.weights.map((w, i) => Math.abs(w - before.weights[i])));
        expect(worst).toBeLessThanOrEqual(effect.tolerance);
        return;
      }
      expect(after[effect.shows]).not.toEqual(before[effect.shows]);
    });
  }
});
