// Training and UNet figures for `npm run bench`: UNet forward and one training step (forward + backward +
// loss, rank-16 LoRA) on the CPU provider, for the tiny test model and an SD1.5-size UNet with random
// weights at 32×32 latents, with and without gradient checkpointing. Each case runs in its own process so
// its peak RSS is its own. Figures, not pass/fail.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Graph, type TensorValue } from '../src-main/engine';
import { compileGraph } from '../src-main/engine/runtime/compile';
import { writeSafetensors } from '../src-main/formats/safetensors/index';
import { FAMILIES, type FamilyId } from '../src-main/models/families';
import { LDM_UNET_PREFIX } from '../src-main/models/keymap/ldm';
import { unetKeys } from '../src-main/models/keymap/unet';
import { buildUNet } from '../src-main/models/unet';
import { componentOf, openCheckpoint } from '../src-main/models/weights';
import { planTargets } from '../src-main/lora/plan';
import { loraInputNames } from '../src-main/lora/inject';
import { UNET_BLOCK_SEGMENTS } from '../src-main/train/step-graph';
import { compileTrainStep } from '../src-main/train/train-step';
import { makeTinyCheckpoints, tinyValues } from './make-tiny-checkpoints';

const run = promisify(execFile);
const WORK = join(tmpdir(), 'tessera-bench');

interface Case {
  name: string;
  family: FamilyId;
  latent: number;
  mode: 'forward' | 'train';
  checkpointing?: boolean;
}

const CASES: Case[] = [
  { name: 'tiny-sd1 UNet forward 32×32', family: 'tiny-sd1', latent: 32, mode: 'forward' },
  { name: 'tiny-sd1 train step 32×32', family: 'tiny-sd1', latent: 32, mode: 'train' },
  { name: 'SD1.5 UNet forward 32×32', family: 'sd1', latent: 32, mode: 'forward' },
  { name: 'SD1.5 train step 32×32 r16', family: 'sd1', latent: 32, mode: 'train' },
  { name: 'SD1.5 train step 32×32 r16 ckpt', family: 'sd1', latent: 32, mode: 'train', checkpointing: true },
];

/** A single-file SD1.5-layout UNet with random f32 weights (3.4 GB, written once into the temp folder) (no text encoder or VAE: the bench needs none). */
async function randomSd15(): Promise<string> {
  const path = join(WORK, 'sd15-unet-random.safetensors');
  if (existsSync(path)) return path;
  await mkdir(WORK, { recursive: true });
  const tensors = unetKeys(FAMILIES.sd1.unet, 'ldm').map((k) => ({
    name: LDM_UNET_PREFIX + k.key,
    dtype: 'F32' as const,
    shape: k.shape,
    data: async () => {
      const v = tinyValues(k.key, k.shape, k.kind);
      return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    },
  }));
  await writeSafetensors(path, tensors, { 'modelspec.prediction_type': 'epsilon' });
  return path;
}

async function modelFor(family: FamilyId): Promise<string> {
  if (family === 'sd1') return randomSd15();
  return (await makeTinyCheckpoints(join(WORK, 'tiny')))[family];
}

const wave = (n: number, f: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * f));

/** One case, in this process: prints one JSON line. */
async function measure(c: Case): Promise<void> {
  const ckpt = await openCheckpoint(await modelFor(c.family), { configId: c.family });
  const cfg = FAMILIES[c.family];
  const weights = componentOf(ckpt, 'unet');
  const [n, t, ctx] = [1, 77, cfg.unet.crossAttentionDim];
  const feeds: Record<string, TensorValue> = {
    context: { dtype: 'f32', shape: [n, t, ctx], data: wave(n * t * ctx, 0.1) },
  };
  const cache = { cacheDir: join(WORK, 'onnx') };
  const started = performance.now();
  let build = 0;
  let times: number[] = [];
  if (c.mode === 'forward') {
    const g = new Graph();
    const out = buildUNet(g, cfg.unet, weights, {
      sample: g.input('sample', 'f32', [n, 4, c.latent, c.latent]),
      timestep: g.input('timestep', 'f32', [n]),
      context: g.input('context', 'f32', [n, t, ctx]),
    });
    const session = await compileGraph({ out }, cache);
    build = performance.now() - started;
    feeds.sample = {
      dtype: 'f32',
      shape: [n, 4, c.latent, c.latent],
      data: wave(4 * c.latent * c.latent, 0.3),
    };
    feeds.timestep = { dtype: 'f32', shape: [n], data: Float32Array.of(500) };
    for (let i = 0; i < 3; i++) {
      const s = performance.now();
      await session.run(feeds);
      times.push(performance.now() - s);
    }
  } else {
    const rank = 16;
    const modules = planTargets({ family: c.family, targetSet: 'attention', rank, alpha: rank }).map(
      (target) => ({
        target,
        rank,
        alpha: rank,
      }),
    );
    const step = await compileTrainStep(
      {
        config: cfg,
        modules,
        denoiser: (g, inputs) => buildUNet(g, cfg.unet, weights, inputs),
        shape: { batch: n, height: c.latent, width: c.latent, contextLength: t },
        minSnrGamma: 5,
        ...(c.checkpointing ? { checkpoint: UNET_BLOCK_SEGMENTS } : {}),
      },
      cache,
    );
    build = performance.now() - started;
    const params = new Map<string, Float32Array>();
    for (const m of modules) {
      const names = loraInputNames(m.target);
      params.set(names.down, wave(rank * m.target.inFeatures, 0.01));
      params.set(names.up, new Float32Array(m.target.outFeatures * rank));
    }
    const count = 4 * c.latent * c.latent;
    feeds.latents = { dtype: 'f32', shape: [n, 4, c.latent, c.latent], data: wave(count, 0.3) };
    feeds.noise = { dtype: 'f32', shape: [n, 4, c.latent, c.latent], data: wave(count, 0.7) };
    feeds.timesteps = { dtype: 'i64', shape: [n], data: BigInt64Array.of(500n) };
    for (let i = 0; i < 3; i++) {
      const s = performance.now();
      await step.run(feeds, params);
      times.push(performance.now() - s);
    }
  }
  times = times.sort((a, b) => a - b);
  const peak = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ build: build / 1000, median: times[1] / 1000, peak }));
}

/** Runs every case in a child process and prints a table. */
export async function benchTrain(filter = ''): Promise<string[]> {
  const lines = ['training (CPU provider, batch 1, median of 3 runs; peak RSS of the whole process):'];
  const self = fileURLToPath(import.meta.url);
  for (const c of CASES.filter((x) => x.name.includes(filter))) {
    try {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', self, '--case', c.name], {
        maxBuffer: 1 << 24,
        timeout: 3600_000,
      });
      const r = JSON.parse(stdout.trim().split('\n').pop()!) as {
        build: number;
        median: number;
        peak: number;
      };
      lines.push(
        `  ${c.name.padEnd(36)} build ${r.build.toFixed(1)} s · run ${r.median.toFixed(2)} s · peak RSS ${r.peak.toFixed(0)} MiB`,
      );
    } catch (err) {
      lines.push(`  ${c.name.padEnd(36)} failed: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  return lines;
}

const arg = process.argv.indexOf('--case');
if (arg > 0) await measure(CASES.find((c) => c.name === process.argv[arg + 1])!);
else if (process.argv[1] === fileURLToPath(import.meta.url))
  for (const l of await benchTrain(process.argv[2] ?? '')) console.log(l);
