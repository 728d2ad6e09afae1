// The trainer worker's wire protocol: what the app sends (start, pause, resume, cancel) and what the worker
// reports (progress, checkpoints, samples, logs, the outcome or an error). Plain JSON-safe objects only.
import type { ProviderName } from '../engine/runtime/session';
import type { TrainConfig } from './config';
import type { Progress, TrainOutcome } from './loop';

/** Everything a worker needs to run one training job. */
export interface TrainJobSpec {
  /** Folder of this run: checkpoints, metrics, samples and exported adapters land here. */
  runDir: string;
  /** Base model: a single .safetensors checkpoint or a diffusers folder. */
  modelPath: string;
  /** Folder of images with same-name .txt captions (kohya layout, `10_name` repeat folders allowed). */
  datasetDir: string;
  /** Adapter name (file stem and `ss_output_name`). */
  name: string;
  config: TrainConfig;
  /** Prompts in the kohya prompt-file syntax, rendered every `sampleEverySteps`. */
  samplePrompts?: string[];
  /** Where derived caches live (latents, caption embeddings, compiled models). */
  cacheDir: string;
  /** Continue training this LoRA file (same targets, rank and alpha) instead of starting from zero. */
  initialLoRA?: string;
  /** Execution provider to prefer (default: the best one this machine offers). */
  device?: ProviderName;
}

export type HostMessage =
  { type: 'start'; job: TrainJobSpec } | { type: 'pause' } | { type: 'resume' } | { type: 'cancel' };

export interface SampleReport {
  step: number;
  prompt: string;
  path: string;
}

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'stage'; stage: string; done: number; total: number }
  | { type: 'progress'; progress: Progress }
  | { type: 'checkpoint'; step: number; adapterPath: string }
  | { type: 'sample'; sample: SampleReport }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'done'; outcome: TrainOutcome }
  | { type: 'failed'; message: string; stack?: string };

/** Narrowing for messages arriving untyped from another process. */
export function isHostMessage(value: unknown): value is HostMessage {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return type === 'start' || type === 'pause' || type === 'resume' || type === 'cancel';
}
