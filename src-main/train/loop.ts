// The training loop: micro-batches → one compiled step (fwd+bwd+loss) → accumulate, check, clip → optimizer
// update at the scheduled LR; checkpoints, previews and metrics at their intervals; pause, cancel and
// resume. Every random draw comes from a counter-based stream (random/streams.ts), so resume is bit-exact.
import { mkdir } from 'node:fs/promises';
import type { Progress, StepMetrics, TrainOutcome } from '../api/jobs';
import type { TensorValue } from '../engine';
import type { TrainConfig } from './config';
import {
  configFingerprint,
  latestStatePath,
  loadTrainState,
  saveTrainState,
  type LoopCounters,
} from './checkpoint';
import { DivergenceError, divergence, rollbackNotice, ROLLBACK_LR_FACTOR, stopMessage } from './guard';
import { learningRateAt } from './lr';
import { MetricsLog } from './metrics';
import { createOptimizer, type OptimizerState, type Tensors } from './optim/index';
import { streamNormal, streamRng } from '../random';
import { STEP_INPUTS } from './step-graph';

export type { Progress, TrainOutcome } from '../api/jobs';

/** Names of the per-step random feeds the loop adds to every batch (the step graph's Inputs). */
export const NOISE_FEEDS = {
  noise: STEP_INPUTS.noise,
  timesteps: STEP_INPUTS.timesteps,
  offset: STEP_INPUTS.offsetNoise,
} as const;

export interface StepResult {
  loss: number;
  grads: Tensors;
  /** f16 steps: false when a gradient overflowed under the current loss scale. */
  allFinite?: boolean;
}

/** The compiled training step: feeds + current parameters → loss and a gradient per parameter. */
export interface StepRunner {
  run(feeds: Record<string, TensorValue>, params: Tensors): Promise<StepResult>;
}

export interface Batch {
  feeds: Record<string, TensorValue>;
  /** [B, C, h, w] of the latents, for the noise the loop draws. */
  latentShape: readonly number[];
}

/** Batches of a dataset; `batch(epoch, i)` must be a pure function of its arguments (and the run's seed). */
export interface BatchSource {
  readonly batchesPerEpoch: number;
  batch(epoch: number, index: number): Promise<Batch>;
}

/** Lets the UI pause between steps; `wait()` resolves immediately unless paused. */
export class PauseGate {
  private resumeFn: (() => void) | null = null;
  private gate: Promise<void> | null = null;

  get paused(): boolean {
    return this.gate !== null;
  }

  pause(): void {
    if (!this.gate) this.gate = new Promise((resolve) => (this.resumeFn = resolve));
  }

  resume(): void {
    this.resumeFn?.();
    this.gate = null;
    this.resumeFn = null;
  }

  wait(): Promise<void> {
    return this.gate ?? Promise.resolve();
  }
}

export interface TrainHooks {
  onProgress?(p: Progress): void;
  /** Writes the adapter file for the current parameters; returns its path. */
  exportAdapter(params: Tensors, step: number, final: boolean): Promise<string>;
  /** Renders previews; the loop waits, and nothing it does touches the training streams. */
  onSample?(params: Tensors, step: number): Promise<void>;
  onCheckpoint?(step: number, adapterPath: string): void;
  /** The divergence guard rolled the run back (the message says from where to where, and why). */
  onRollback?(message: string): void;
  signal?: AbortSignal;
  pause?: PauseGate;
  /** True (once) when the user asked for a checkpoint now ("Save now"): the loop saves after this step. */
  saveNow?: () => boolean;
}

export interface TrainRun {
  config: TrainConfig;
  runDir: string;
  step: StepRunner;
  data: BatchSource;
  /** Initial parameters (A random, B zero) and their shapes; replaced by the saved ones on resume. */
  params: Tensors;
  shapes: Map<string, number[]>;
  /** Identity of model and data for the resume fingerprint (e.g. model hash, dataset hash). */
  identity?: Record<string, unknown>;
  /**
   * Device-resident state (WebGPU): parameters, AdamW moments and gradients stay on the device between
   * steps and come to the host only to be saved or previewed. Used for AdamW without accumulation.
   */
  device?: DeviceLoop;
}

/** What the loop needs from device-resident state (train/device-state.ts DeviceTrainer). */
export interface DeviceLoop {
  forward(feeds: Record<string, TensorValue>): Promise<{ loss: number; allFinite?: boolean }>;
  /** Applies the update at `lr`; returns the global gradient norm (before clipping). */
  apply(lr: number): Promise<number>;
  download(): Promise<{ params: Tensors; state: OptimizerState }>;
  upload(params: Tensors, state: OptimizerState): void;
}

const INITIAL_LOSS_SCALE = 2 ** 16;
const LOSS_SCALE_GROWTH_INTERVAL = 2000;
const SMOOTHING = 0.9;

/** Optimizer steps of a run: `maxSteps`, or whole epochs of accumulated batches. */
export function totalStepsOf(config: TrainConfig, batchesPerEpoch: number): number {
  if (config.maxSteps > 0) return config.maxSteps;
  return config.epochs * Math.max(1, Math.ceil(batchesPerEpoch / config.gradientAccumulation));
}

/** The per-micro-batch random feeds: noise like the latents, timesteps in range, per-channel offset noise. */
export function noiseFeeds(
  config: TrainConfig,
  latentShape: readonly number[],
  micro: number,
): Record<string, TensorValue> {
  const [b, c] = latentShape;
  const count = latentShape.reduce((n, d) => n * d, 1);
  const pick = streamRng(config.seed, 'timestep', micro);
  const span = config.timestepMax - config.timestepMin;
  const t = BigInt64Array.from({ length: b }, () => BigInt(config.timestepMin + Math.floor(pick() * span)));
  const feeds: Record<string, TensorValue> = {
    [NOISE_FEEDS.noise]: {
      dtype: 'f32',
      shape: [...latentShape],
      data: streamNormal(count, config.seed, 'noise', micro),
    },
    [NOISE_FEEDS.timesteps]: { dtype: 'i64', shape: [b], data: t },
  };
  if (config.noiseOffset > 0) {
    // Standard normal per (sample, channel); the graph scales it by the configured offset.
    const offset = streamNormal(b * c, config.seed, 'offset', micro);
    feeds[NOISE_FEEDS.offset] = { dtype: 'f32', shape: [b, c, 1, 1], data: offset };
  }
  return feeds;
}

function globalNorm(grads: Tensors): number {
  let sum = 0;
  for (const g of grads.values()) for (let i = 0; i < g.length; i++) sum += g[i] * g[i];
  return Math.sqrt(sum);
}

function scaleInPlace(grads: Tensors, factor: number): void {
  for (const g of grads.values()) for (let i = 0; i < g.length; i++) g[i] *= factor;
}

/** Every feed of micro-batch `micro`: its batch, its random streams, and (f16) the loss scale. */
async function microBatchFeeds(
  run: TrainRun,
  micro: number,
  lossScale: number,
): Promise<Record<string, TensorValue>> {
  const { config, data } = run;
  const batch = await data.batch(Math.floor(micro / data.batchesPerEpoch), micro % data.batchesPerEpoch);
  const scale: Record<string, TensorValue> =
    config.precision === 'fp16'
      ? { [STEP_INPUTS.lossScale]: { dtype: 'f32', shape: [], data: Float32Array.of(lossScale) } }
      : {};
  return { ...batch.feeds, ...noiseFeeds(config, batch.latentShape, micro), ...scale };
}

/** Runs the accumulated micro-batches of optimizer step `step`; returns the mean loss and mean gradients. */
async function accumulate(
  run: TrainRun,
  params: Tensors,
  step: number,
  lossScale: number,
): Promise<StepResult> {
  const { config } = run;
  const accum = config.gradientAccumulation;
  let loss = 0;
  let allFinite = true;
  const sum: Tensors = new Map();
  for (let m = 0; m < accum; m++) {
    const result = await run.step.run(await microBatchFeeds(run, step * accum + m, lossScale), params);
    loss += result.loss / accum;
    if (result.allFinite === false) allFinite = false;
    // One micro-batch (the usual case): its gradients are the step's, and they are fresh arrays, so no copy.
    if (accum === 1) return result;
    for (const [name, g] of result.grads) {
      let acc = sum.get(name);
      if (!acc) sum.set(name, (acc = new Float32Array(g.length)));
      // A plain loop: Float32Array.from with a mapper costs a call per element (0.6 s per SD1.5 step, profiled).
      for (let i = 0; i < g.length; i++) acc[i] += g[i] / accum;
    }
  }
  return { loss, grads: sum, allFinite };
}

interface StepOutcome {
  loss: number;
  norm: number;
  /** The update was applied (finite loss and gradients). */
  ok: boolean;
}

/** One optimizer step on the host: accumulate, check, clip, update. */
async function hostStep(
  run: TrainRun,
  params: Tensors,
  counters: LoopCounters,
  lr: number,
  optimizer: ReturnType<typeof createOptimizer>,
): Promise<StepOutcome> {
  const { config } = run;
  const { loss, grads, allFinite } = await accumulate(run, params, counters.step, counters.lossScale);
  const norm = globalNorm(grads);
  const ok = allFinite !== false && Number.isFinite(norm) && Number.isFinite(loss);
  if (!ok) return { loss, norm, ok };
  if (config.maxGradNorm > 0 && norm > config.maxGradNorm)
    scaleInPlace(grads, config.maxGradNorm / (norm + 1e-6));
  optimizer.step(params, grads, lr);
  return { loss, norm, ok };
}

/** One step with device-resident state: forward/backward, then the in-graph update unless it overflowed. */
async function deviceStep(
  run: TrainRun,
  device: DeviceLoop,
  counters: LoopCounters,
  lr: number,
): Promise<StepOutcome> {
  const r = await device.forward(await microBatchFeeds(run, counters.step, counters.lossScale));
  if (r.allFinite === false || !Number.isFinite(r.loss)) return { loss: r.loss, norm: NaN, ok: false };
  const norm = await device.apply(lr);
  return { loss: r.loss, norm, ok: Number.isFinite(norm) };
}

/**
 * Trains until the step budget is spent or `signal` aborts, resuming from the run folder's newest state.
 * @example const out = await runTraining({ config, runDir, step, data, params, shapes }, { exportAdapter })
 */
export async function runTraining(run: TrainRun, hooks: TrainHooks): Promise<TrainOutcome> {
  const { config, runDir } = run;
  const total = totalStepsOf(config, run.data.batchesPerEpoch);
  const fingerprint = configFingerprint(config, run.identity);
  let optimizer = createOptimizer(config);
  await mkdir(runDir, { recursive: true });
  // NOTE: optimizers update in place; the divergence guard may need the starting values again.
  const start: Tensors = new Map([...run.params].map(([k, v]) => [k, Float32Array.from(v)]));
  let params = run.params;
  const fresh = (): LoopCounters => ({
    step: 0,
    skipped: 0,
    lossScale: INITIAL_LOSS_SCALE,
    goodSteps: 0,
    smoothLoss: null,
  });
  let counters = fresh();
  const saved = await latestStatePath(runDir);
  if (saved) {
    const state = await loadTrainState(saved, fingerprint);
    params = state.params;
    counters = state.counters;
    optimizer.load(state.optimizer);
  }
  const resumedFrom = counters.step;
  const device =
    run.device && config.optimizer === 'adamw' && config.gradientAccumulation === 1 ? run.device : null;
  if (device && saved) device.upload(params, optimizer.state());
  /** Brings device-resident parameters and moments to the host (before saving or previewing). */
  const sync = async () => {
    if (!device) return;
    const d = await device.download();
    params = d.params;
    optimizer.load(d.state);
  };
  const metrics = await MetricsLog.open(runDir, resumedFrom);
  const checkpoint = async (final: boolean) => {
    await sync();
    const adapterPath = await hooks.exportAdapter(params, counters.step, final);
    await saveTrainState(runDir, {
      counters,
      params,
      shapes: run.shapes,
      optimizer: optimizer.state(),
      fingerprint,
    });
    hooks.onCheckpoint?.(counters.step, adapterPath);
    return adapterPath;
  };
  const lrSpec = {
    schedule: config.lrSchedule,
    baseLr: config.learningRate,
    warmupSteps: config.warmupSteps,
    totalSteps: total,
    cycles: config.lrCycles,
    power: config.lrPower,
  };
  /** The guard's one rollback: the newest saved state (or the start), half the learning rate, logs rewound. */
  const rollBack = async (at: number, cause: string): Promise<string> => {
    const path = await latestStatePath(runDir);
    const state = path ? await loadTrainState(path, fingerprint) : null;
    params = state ? state.params : new Map([...start].map(([k, v]) => [k, Float32Array.from(v)]));
    counters = state ? state.counters : fresh();
    optimizer = createOptimizer(config);
    if (state) optimizer.load(state.optimizer);
    counters.rollbacks = (counters.rollbacks ?? 0) + 1;
    counters.lrFactor = (counters.lrFactor ?? 1) * ROLLBACK_LR_FACTOR;
    if (device) device.upload(params, optimizer.state());
    await metrics.rewind(counters.step);
    return rollbackNotice(at, cause, counters.step, config.learningRate * counters.lrFactor);
  };
  let note: string | undefined;
  let rate = 0;
  let last = performance.now();
  try {
    while (counters.step < total) {
      await hooks.pause?.wait();
      if (hooks.signal?.aborted) break;
      const lr = learningRateAt(lrSpec, counters.step) * (counters.lrFactor ?? 1);
      const { loss, norm, ok } = device
        ? await deviceStep(run, device, counters, lr)
        : await hostStep(run, params, counters, lr, optimizer);
      const smooth =
        counters.smoothLoss === null ? loss : SMOOTHING * counters.smoothLoss + (1 - SMOOTHING) * loss;
      const fp16 = config.precision === 'fp16';
      const cause = divergence({
        loss,
        norm,
        ok,
        smoothLoss: smooth,
        lossScale: fp16 ? counters.lossScale : null,
      });
      if (cause) {
        if ((counters.rollbacks ?? 0) >= 1)
          throw new DivergenceError(stopMessage(counters.step + 1, cause, lr, fp16));
        note = await rollBack(counters.step + 1, cause);
        hooks.onRollback?.(note);
        continue;
      }
      if (ok) {
        counters.goodSteps += 1;
        if (config.precision === 'fp16' && counters.goodSteps % LOSS_SCALE_GROWTH_INTERVAL === 0)
          counters.lossScale *= 2;
        counters.smoothLoss = smooth;
      } else {
        counters.skipped += 1;
        counters.goodSteps = 0;
        if (config.precision === 'fp16') counters.lossScale = Math.max(1, counters.lossScale / 2);
      }
      counters.step += 1;
      const now = performance.now();
      const instant = 1000 / Math.max(1e-3, now - last);
      rate = rate === 0 ? instant : 0.8 * rate + 0.2 * instant;
      last = now;
      const m: StepMetrics = {
        step: counters.step,
        epoch: Math.floor((counters.step * config.gradientAccumulation) / run.data.batchesPerEpoch),
        loss,
        smoothLoss: counters.smoothLoss ?? loss,
        lr,
        gradNorm: norm,
        itPerSec: rate,
        etaSeconds: (total - counters.step) / rate,
        memoryBytes: process.memoryUsage().rss,
        skipped: counters.skipped,
        ...(note ? { note } : {}),
      };
      note = undefined;
      await metrics.append(m);
      hooks.onProgress?.({ ...m, totalSteps: total });
      const epochsDone = Math.floor((counters.step * config.gradientAccumulation) / run.data.batchesPerEpoch);
      const epochsBefore = Math.floor(
        ((counters.step - 1) * config.gradientAccumulation) / run.data.batchesPerEpoch,
      );
      const epochEnd =
        config.saveEveryEpochs > 0 && epochsDone > epochsBefore && epochsDone % config.saveEveryEpochs === 0;
      const stepMark = config.saveEverySteps > 0 && counters.step % config.saveEverySteps === 0;
      const asked = hooks.saveNow?.() ?? false;
      if ((stepMark || epochEnd || asked) && counters.step < total) await checkpoint(false);
      if (hooks.onSample && config.sampleEverySteps > 0 && counters.step % config.sampleEverySteps === 0) {
        await sync();
        await hooks.onSample(params, counters.step);
      }
    }
    const adapterPath = await checkpoint(true);
    const status = counters.step >= total ? 'finished' : 'cancelled';
    return {
      status,
      step: counters.step,
      totalSteps: total,
      adapterPath,
      skipped: counters.skipped,
      resumedFrom,
    };
  } finally {
    await metrics.close();
  }
}
