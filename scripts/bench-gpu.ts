// GPU figures: full-size SD1.5 and SDXL UNet LoRA training steps on the WebGPU provider — f16 compute,
// rank-16 LoRA on the attention projections, AdamW state kept on the device — with the time to the first
// step, the step time and the peak device memory (nvidia-smi, where present). Random f16 weights are
// generated on the spot and read in place. Each case runs in its own process.
//   tsx scripts/bench-gpu.ts [--tiny] [--only NAME]       (from source; --tiny: tiny models, e.g. on lavapipe)
//   node bench-gpu.mjs …                                 (bundled, on a machine with only node + onnxruntime-node)
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TensorValue } from '../src-main/engine';
import { probeProvider } from '../src-main/engine/runtime/session';
import { loraInputNames } from '../src-main/lora/inject';
import { planTargets } from '../src-main/lora/plan';
import { FAMILIES, type FamilyId } from '../src-main/models/families';
import { buildUNet } from '../src-main/models/unet';
import { componentOf, openCheckpoint } from '../src-main/models/weights';
import { DeviceTrainer } from '../src-main/train/device-state';
import { STEP_INPUTS, UNET_BLOCK_SEGMENTS } from '../src-main/train/step-graph';
import { randomCheckpoint } from './random-checkpoint';
import { makeTinyCheckpoints } from './make-tiny-checkpoints';
import { stepFeeds, wave } from './step-feeds';

const WORK = process.env.TESSERA_BENCH_DIR ?? join(tmpdir(), 'tessera-bench-gpu');

interface Case {
  name: string;
  family: FamilyId;
  /** Latent side (image / 8). */
  latent: number;
  checkpointing: boolean;
  steps: number;
}

const FULL: Case[] = [
  { name: 'SD1.5 512px', family: 'sd1', latent: 64, checkpointing: false, steps: 8 },
  { name: 'SD1.5 512px ckpt', family: 'sd1', latent: 64, checkpointing: true, steps: 8 },
  { name: 'SDXL 1024px', family: 'sdxl', latent: 128, checkpointing: false, steps: 6 },
  { name: 'SDXL 1024px ckpt', family: 'sdxl', latent: 128, checkpointing: true, steps: 6 },
];
const TINY: Case[] = [
  { name: 'tiny-sd1 64px', family: 'tiny-sd1', latent: 8, checkpointing: false, steps: 3 },
  { name: 'tiny-sdxl 64px ckpt', family: 'tiny-sdxl', latent: 8, checkpointing: true, steps: 3 },
];

async function modelFor(family: FamilyId): Promise<string> {
  if (family.startsWith('tiny-')) return (await makeTinyCheckpoints(join(WORK, 'tiny')))[family];
  return randomCheckpoint(family, 'F16', 'unet', join(WORK, `${family}-unet-f16.safetensors`));
}

/** One case in this process: prints one JSON line. */
async function measure(c: Case): Promise<void> {
  const t0 = performance.now();
  const cfg = FAMILIES[c.family];
  const ckpt = await openCheckpoint(await modelFor(c.family), { configId: c.family });
  const weights = componentOf(ckpt, 'unet');
  const made = performance.now();
  const rank = 16;
  const modules = planTargets({ family: c.family, targetSet: 'attention', rank, alpha: rank }).map(
    (target) => ({ target, rank, alpha: rank }),
  );
  const params = new Map<string, Float32Array>();
  for (const m of modules) {
    const names = loraInputNames(m.target);
    params.set(names.down, wave(rank * m.target.inFeatures, 0.01, 0.01));
    params.set(names.up, new Float32Array(m.target.outFeatures * rank));
  }
  const n = 1;
  const feeds: Record<string, TensorValue> = {
    ...stepFeeds(cfg, c.latent),
    [STEP_INPUTS.lossScale]: { dtype: 'f32', shape: [], data: Float32Array.of(1024) },
  };
  const trainer = await DeviceTrainer.create(
    {
      config: cfg,
      modules,
      denoiser: (g, inputs) => buildUNet(g, cfg.unet, weights, inputs),
      shape: { batch: n, height: c.latent, width: c.latent, contextLength: 77 },
      minSnrGamma: 5,
      precision: 'f16',
      ...(c.checkpointing ? { checkpoint: UNET_BLOCK_SEGMENTS } : {}),
    },
    { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01, maxGradNorm: 1 },
    { cacheDir: join(WORK, 'onnx'), providers: ['webgpu'] },
    params,
  );
  const times: number[] = [];
  let first = 0;
  let loss = NaN;
  for (let i = 0; i < c.steps; i++) {
    const s = performance.now();
    loss = (await trainer.forward(feeds)).loss;
    await trainer.apply(1e-4);
    times.push(performance.now() - s);
    if (i === 0) first = performance.now() - made;
  }
  const resident = trainer.resident;
  trainer.dispose();
  const steady = times.slice(2).sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      weights: (made - t0) / 1000,
      first: first / 1000,
      median: (steady[steady.length >> 1] ?? times.at(-1)!) / 1000,
      loss,
      resident,
      hostPeak: process.resourceUsage().maxRSS / 1024,
    }),
  );
}

/** Polls nvidia-smi for the device memory in use (MiB); null where there is no nvidia-smi. */
function watchDeviceMemory(): { stop: () => number | null; baseline: Promise<number | null> } {
  let peak: number | null = null;
  let proc: ChildProcess | null = null;
  const baseline = promisify(execFile)('nvidia-smi', [
    '--query-gpu=memory.used',
    '--format=csv,noheader,nounits',
  ])
    .then((r) => Number(r.stdout.trim().split('\n')[0]))
    .catch(() => null);
  try {
    proc = spawn('nvidia-smi', ['--query-gpu=memory.used', '--format=csv,noheader,nounits', '-lms', '100']);
    proc.on('error', () => undefined);
    proc.stdout?.on('data', (b: Buffer) => {
      for (const line of b.toString().split('\n')) {
        const v = Number(line.trim());
        if (line.trim() && Number.isFinite(v)) peak = Math.max(peak ?? 0, v);
      }
    });
  } catch {
    proc = null;
  }
  return {
    baseline,
    stop: () => {
      proc?.kill();
      return peak;
    },
  };
}

export async function benchGpu(cases: Case[]): Promise<string[]> {
  const reason = await probeProvider('webgpu');
  if (reason) return [`GPU (WebGPU provider): not available here: ${reason}`];
  const lines = [
    'GPU training step (WebGPU provider, f16, rank-16 LoRA on attention, AdamW on the device, batch 1, random weights):',
  ];
  const self = fileURLToPath(import.meta.url);
  const args = self.endsWith('.ts') ? ['--import', 'tsx', self] : [self];
  for (const c of cases) {
    const watch = watchDeviceMemory();
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [...args, '--case', c.name], {
        maxBuffer: 1 << 24,
        timeout: 900_000,
      });
      const r = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, number | boolean>;
      const peak = watch.stop();
      const base = await watch.baseline;
      const device = peak !== null && base !== null ? `${((peak - base) / 1024).toFixed(1)} GiB` : 'n/a';
      lines.push(
        `  ${c.name.padEnd(18)} weights ready ${Number(r.weights).toFixed(1)} s · first step ${Number(r.first).toFixed(1)} s · ` +
          `step ${Number(r.median).toFixed(3)} s · peak device memory ${device} · host peak RSS ${(Number(r.hostPeak) / 1024).toFixed(1)} GiB · ` +
          `state on device ${String(r.resident)} · loss ${Number(r.loss).toFixed(4)}`,
      );
    } catch (err) {
      watch.stop();
      const e = err as { message: string; stderr?: string };
      lines.push(
        `  ${c.name.padEnd(18)} failed: ${(e.stderr || e.message).trim().split('\n').slice(-3).join(' | ')}`,
      );
    }
    console.log(lines.at(-1));
  }
  return lines;
}

const caseArg = process.argv.indexOf('--case');
if (caseArg > 0) {
  await measure([...FULL, ...TINY].find((c) => c.name === process.argv[caseArg + 1])!);
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const only = process.argv.indexOf('--only');
  const pool = process.argv.includes('--tiny') ? TINY : FULL;
  const cases = only > 0 ? pool.filter((c) => c.name.includes(process.argv[only + 1])) : pool;
  const lines = await benchGpu(cases);
  console.log(lines.join('\n'));
}
