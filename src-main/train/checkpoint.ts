// Resumable training state in one safetensors file per checkpoint: LoRA parameters, optimizer slots (fp32,
// bit-exact), and a JSON metadata record (step, seed, config fingerprint, optimizer scalars, loop counters).
// Written atomically (temp + rename); the RNG needs no bytes because every draw is a function of the step.
import { createHash } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { readSafetensorsHeader, readTensorF32, writeSafetensors } from '../formats/safetensors/index';
import type { TrainConfig } from './config';
import type { OptimizerState, Tensors } from './optim/index';

export const CHECKPOINT_DIR = 'checkpoints';
const STATE_FORMAT = 'tessera.train-state.v1';
/** Options that may change between a run and its resume without changing what it computes. */
const RESUMABLE_CHANGES: readonly (keyof TrainConfig)[] = [
  'maxSteps',
  'epochs',
  'saveEverySteps',
  'saveEveryEpochs',
  'sampleEverySteps',
  'saveDtype',
  // Memory settings recompute the same values: a run that ran out of memory can resume with them on.
  'gradientCheckpointing',
  'recomputeAttention',
];

export interface LoopCounters {
  step: number;
  /** Steps skipped for a non-finite gradient. */
  skipped: number;
  lossScale: number;
  goodSteps: number;
  smoothLoss: number | null;
  /** Divergence-guard rollbacks so far (train/guard.ts); absent in states saved before the guard. */
  rollbacks?: number;
  /** Learning-rate factor after a rollback (1 when absent). */
  lrFactor?: number;
}

export interface TrainState {
  counters: LoopCounters;
  params: Tensors;
  shapes: Map<string, number[]>;
  optimizer: OptimizerState;
  fingerprint: string;
}

/** A hash of everything that decides the numbers (model, data, settings that matter). */
export function configFingerprint(config: TrainConfig, extra: Record<string, unknown> = {}): string {
  const relevant = Object.fromEntries(
    Object.entries(config)
      .filter(([k]) => !RESUMABLE_CHANGES.includes(k as keyof TrainConfig))
      .sort(([a], [b]) => a.localeCompare(b)),
  );
  return createHash('sha256').update(JSON.stringify({ relevant, extra })).digest('hex').slice(0, 16);
}

const stateName = (step: number) => `step-${String(step).padStart(8, '0')}.safetensors`;

/**
 * Writes the state of `counters.step` into `<runDir>/checkpoints/` and keeps only the newest `keep` states.
 * @example await saveTrainState(runDir, state)
 */
export async function saveTrainState(runDir: string, state: TrainState, keep = 2): Promise<string> {
  const dir = join(runDir, CHECKPOINT_DIR);
  await mkdir(dir, { recursive: true });
  const tensors = [...state.params].map(([name, data]) => ({
    name: `param/${name}`,
    dtype: 'F32' as const,
    shape: state.shapes.get(name) ?? [data.length],
    data,
  }));
  for (const [slot, values] of Object.entries(state.optimizer.slots))
    for (const [name, data] of Object.entries(values))
      tensors.push({ name: `opt/${slot}/${name}`, dtype: 'F32', shape: [data.length], data });
  const path = join(dir, stateName(state.counters.step));
  await writeSafetensors(path, tensors, {
    format: STATE_FORMAT,
    counters: JSON.stringify(state.counters),
    scalars: JSON.stringify(state.optimizer.scalars),
    fingerprint: state.fingerprint,
  });
  const all = (await readdir(dir)).filter((n) => /^step-\d+\.safetensors$/.test(n)).sort();
  for (const old of all.slice(0, Math.max(0, all.length - keep))) await rm(join(dir, old), { force: true });
  return path;
}

/** The newest saved state of a run folder, or null when it has none. */
export async function latestStatePath(runDir: string): Promise<string | null> {
  const names = await readdir(join(runDir, CHECKPOINT_DIR)).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  const states = names.filter((n) => /^step-\d+\.safetensors$/.test(n)).sort();
  return states.length ? join(runDir, CHECKPOINT_DIR, states[states.length - 1]) : null;
}

/** Reads a state written by saveTrainState; refuses a state of different settings (`fingerprint`). */
export async function loadTrainState(path: string, fingerprint: string): Promise<TrainState> {
  const header = await readSafetensorsHeader(path);
  if (header.metadata.format !== STATE_FORMAT)
    throw new Error(
      `${path} is not a Tessera training checkpoint (format ${header.metadata.format ?? 'missing'})`,
    );
  if (header.metadata.fingerprint !== fingerprint)
    throw new Error(
      `${path} was saved with different training settings or data, so it cannot be resumed bit-for-bit. ` +
        'Start a new run, or restore the settings it was trained with.',
    );
  const params: Tensors = new Map();
  const shapes = new Map<string, number[]>();
  const slots: OptimizerState['slots'] = {};
  for (const [key, entry] of header.tensors) {
    const data = await readTensorF32(header, key);
    const [kind, ...rest] = key.split('/');
    if (kind === 'param') {
      params.set(rest.join('/'), data);
      shapes.set(rest.join('/'), entry.shape);
    } else {
      const [slot, ...name] = rest;
      (slots[slot] ??= {})[name.join('/')] = data;
    }
  }
  return {
    counters: JSON.parse(header.metadata.counters) as LoopCounters,
    params,
    shapes,
    optimizer: { slots, scalars: JSON.parse(header.metadata.scalars) as Record<string, number> },
    fingerprint,
  };
}
