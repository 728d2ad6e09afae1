// The trainer worker's wire protocol: what the app sends (start, pause, resume, cancel) and what the worker
// reports (progress, checkpoints, samples, logs, the outcome or an error); plus one-off image generation
// ('generate' → per-step 'preview', then 'generated'), and captioning ('caption' → one 'captions' per batch,
// then 'captions-done'). Plain JSON-safe objects only; imports only its neighbours in api/.
import type { CatalogueEntry, Florence2Task } from './captioning';
import type { ApiErrorCode } from './errors';
import type { DeviceReport, ProviderName } from './devices';
import type { Progress, TrainOutcome } from './jobs';
import type { TrainConfig } from './train-config';
import type { CompareColumn, Comparison, GenerateRequest, PreviewReport, SampleInfo } from './training';

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
  /** ORT intra-op threads (default: the machine's physical cores). */
  threads?: number;
}

/** One image for "try a prompt": the request with its output path and cache folder settled by the host. */
export interface GenerateSpec {
  request: GenerateRequest & { outPath: string };
  /** Compiled models and the tokenizer's BPE file live here (as for training jobs). */
  cacheDir: string;
  device?: ProviderName;
  threads?: number;
}

/** The captioner's own knobs (tagger thresholds, rating, exclusions; Florence-2 task, beams, length); mode
 * and prefix are applied by the host. */
export interface CaptionerSettings {
  generalThreshold?: number;
  characterThreshold?: number;
  rating?: boolean;
  exclude?: string[];
  task?: Florence2Task;
  beams?: number;
  maxNewTokens?: number;
}

/** One captioning run: which model from which folder, and the images in the order to caption them. */
export interface CaptionJobSpec {
  entry: CatalogueEntry;
  /** The folder holding the model's files (the app's cache or the user's own). */
  folder: string;
  settings: CaptionerSettings;
  imagePaths: string[];
  /** Images per captioner call; the host hears about each batch. */
  batchSize: number;
  device?: ProviderName;
  threads?: number;
}

/** One comparison (prompts × base / adapters at strengths), written as `<out>.png|.json` and `<out>-cells/`. */
export interface CompareSpec {
  modelPath: string;
  /** Prompts in kohya prompt-file syntax. */
  prompts: string[];
  columns: CompareColumn[];
  seed: number;
  out: string;
  cacheDir: string;
  device?: ProviderName;
  threads?: number;
}

export type HostMessage =
  | { type: 'start'; job: TrainJobSpec }
  | { type: 'generate'; spec: GenerateSpec }
  | { type: 'caption'; spec: CaptionJobSpec }
  | { type: 'compare'; spec: CompareSpec }
  | { type: 'devices' }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'cancel' }
  | { type: 'save' };

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'stage'; stage: string; done: number; total: number }
  | { type: 'progress'; progress: Progress }
  | { type: 'checkpoint'; step: number; adapterPath: string }
  | { type: 'sample'; sample: SampleInfo }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'done'; outcome: TrainOutcome }
  | { type: 'preview'; preview: PreviewReport }
  | { type: 'generated'; path: string; parameters: string }
  | { type: 'compared'; comparison: Comparison }
  | { type: 'devices'; report: DeviceReport }
  | { type: 'captions'; paths: string[]; captions: string[] }
  | { type: 'captions-done'; cancelled: boolean }
  | { type: 'failed'; message: string; stack?: string; code?: ApiErrorCode; name?: string };

const HOST_TYPES: readonly HostMessage['type'][] = [
  'start',
  'generate',
  'caption',
  'compare',
  'devices',
  'pause',
  'resume',
  'cancel',
  'save',
];

/** Narrowing for messages arriving untyped from another process. */
export function isHostMessage(value: unknown): value is HostMessage {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return HOST_TYPES.includes(type as HostMessage['type']);
}
