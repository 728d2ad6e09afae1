// The training, sampling and export part of the API contract: plain DTOs and the method group TesseraApi
// extends. It imports only its neighbours in api/, so preload and renderer can import this file.
import type { JobInfo, Progress, StepMetrics } from './jobs';
import type { OptionSpec, Preset, Recommendation, TrainConfig } from './train-config';

export type * from './jobs';
export type * from './train-config';

export interface TrainingOptions {
  options: readonly OptionSpec[];
  presets: readonly Preset[];
  defaults: TrainConfig;
}

export interface TrainRequest {
  /** Base model: a single .safetensors checkpoint or a diffusers folder. */
  modelPath: string;
  /** Folder of images with same-name .txt captions. */
  datasetDir: string;
  /** Adapter name: file stem and `ss_output_name`. */
  name: string;
  /** Where the run folder is created (e.g. `<project>/runs`). */
  runsDir: string;
  presetId?: string;
  config?: Partial<TrainConfig>;
  /** Preview prompts in kohya prompt-file syntax (`a cat --n blurry --d 42`). */
  samplePrompts?: string[];
  /** Continue an existing run folder instead of creating a new one. */
  runDir?: string;
}

export interface BucketCount {
  width: number;
  height: number;
  images: number;
}

/** What a run would do, checked before it starts. */
export interface TrainPlan {
  config: TrainConfig;
  /** Blocking problems in plain words (the Start button stays disabled). */
  problems: string[];
  warnings: string[];
  family: string;
  images: number;
  captioned: number;
  buckets: BucketCount[];
  batchesPerEpoch: number;
  totalSteps: number;
  /** The size the base model was trained at, null when the model could not be read. */
  nativeResolution: number | null;
  /** The preset and length suggested for this model family and dataset size (null: unknown family). */
  recommendation: Recommendation | null;
  /** Rough device memory need in bytes (weights + activations), null when the model is unknown. */
  memoryEstimate: number | null;
}

export interface SampleInfo {
  step: number;
  /** Position in the prompt list. */
  index: number;
  prompt: string;
  path: string;
}

/** One sampler step of a generation: its denoised latents as base64 little-endian f32 [channels, h, w]. */
export interface PreviewReport {
  step: number;
  steps: number;
  width: number;
  height: number;
  family: string;
  latents: string;
}

export interface GenerateRequest {
  modelPath: string;
  lora?: { path: string; strength: number };
  prompt: string;
  negative?: string;
  seed: number;
  steps: number;
  cfg: number;
  sampler: 'euler' | 'euler_a' | 'dpmpp_2m' | 'dpmpp_2m_karras' | 'ddim';
  width: number;
  height: number;
  /** Where the PNG goes; default: the cache folder. */
  outPath?: string;
}

export interface GeneratedImage {
  path: string;
  parameters: string;
}

/** One column of a comparison: the base model (no `lora`) or an adapter file at a strength. */
export interface CompareColumn {
  label: string;
  lora?: { path: string; strength: number };
}

/** Prompts × columns rendered with one seed per prompt, so columns differ only by the adapter. */
export interface CompareRequest {
  /** Base model the run trained on. */
  modelPath: string;
  /** The run folder; the images go to `<runDir>/compare/<time>/`. */
  runDir: string;
  /** Prompts in kohya prompt-file syntax (`a cat --w 512 --h 512 --s 20 --d 7`). */
  prompts: string[];
  columns: CompareColumn[];
  /** Seed for prompts without `--d`. */
  seed: number;
}

export interface CompareCell {
  row: number;
  column: number;
  prompt: string;
  label: string;
  /** The cell's own PNG (with its A1111 `parameters` text). */
  path: string;
}

/** A rendered comparison: the contact sheet and every cell as its own image. */
export interface Comparison {
  /** The contact sheet PNG; the cells lie beside it. */
  sheet: string;
  prompts: string[];
  columns: CompareColumn[];
  cells: CompareCell[];
}

/** A training run folder of a project, for picking a run without typing its path. */
export interface RunSummary {
  dir: string;
  /** The folder name, e.g. `ink-20261128-090507`. */
  name: string;
  /** Adapter files saved so far (checkpoints and final). */
  adapters: number;
  /** Last change, ms since the epoch. */
  modified: number;
}

/** An adapter file a run saved: a checkpoint (`step`) or the final one (`step` null). */
export interface RunAdapter {
  path: string;
  label: string;
  step: number | null;
}

export interface ExportRequest {
  /** An adapter written by a run (its final or a checkpoint file). */
  adapterPath: string;
  format: 'kohya' | 'peft';
  precision: 'fp16' | 'bf16' | 'fp32';
  outPath: string;
  title?: string;
  triggerWords?: string[];
  author?: string;
  description?: string;
  /** An image (e.g. one of the run's previews) to carry as the adapter's cover (`modelspec.thumbnail`). */
  thumbnailPath?: string;
  /** Also write the base model with the adapter merged in, at this path. */
  mergeInto?: { modelPath: string; outPath: string; strength: number };
}

/** One consumer's view of an adapter: what it applies and skips, and at which scale. */
export interface ConsumerCompatibility {
  consumer: 'a1111' | 'forge' | 'comfyui' | 'invokeai' | 'diffusers' | 'kohya';
  /** Modules (A/B pairs) the consumer attaches, of `total`. */
  applied: number;
  total: number;
  skipped: { stem: string; reason: string }[];
  /** e.g. `alpha/rank = 8/16 = 0.5` */
  scale: string;
  warnings: string[];
  /** Every module of the file applied. */
  complete: boolean;
}

/** The tools' names as users know them. */
export const CONSUMER_LABELS: Record<ConsumerCompatibility['consumer'], string> = {
  a1111: 'AUTOMATIC1111',
  forge: 'Forge',
  comfyui: 'ComfyUI',
  invokeai: 'InvokeAI',
  diffusers: 'diffusers',
  kohya: 'kohya sd-scripts',
};

/** How AUTOMATIC1111, Forge, ComfyUI, InvokeAI, diffusers and kohya sd-scripts would load an adapter. */
export interface CompatibilityReport {
  /** The base model's exact architecture id. */
  family: string;
  consumers: ConsumerCompatibility[];
  /** Present when some consumer would not apply the whole file: what to do about it. */
  fix?: string;
}

export interface ExportedAdapter {
  path: string;
  sha256: string;
  tensors: number;
  mergedPath: string | null;
}

export type JobAction = 'pause' | 'resume' | 'cancel' | 'restart' | 'save';

export interface TrainingApi {
  /** The option table, presets and defaults the Train screen is built from. */
  getTrainingOptions(): Promise<TrainingOptions>;
  /** Validates a request and says what the run would do (images, buckets, steps, memory). */
  planTraining(request: TrainRequest): Promise<TrainPlan>;
  /** Queues a run; it starts when no other run is active. */
  startTraining(request: TrainRequest): Promise<JobInfo>;
  listJobs(): Promise<JobInfo[]>;
  /**
   * pause / resume / cancel (saves a final adapter) / restart (continues from the last checkpoint) / save (a
   * checkpoint and adapter after the current step, and the run goes on).
   */
  controlJob(id: string, action: JobAction): Promise<JobInfo>;
  /** Every logged step of a run folder (the dashboard's chart after a restart of the app). */
  getRunMetrics(runDir: string): Promise<StepMetrics[]>;
  /** Sample images of a run folder, per checkpoint step and prompt. */
  listSamples(runDir: string): Promise<SampleInfo[]>;
  /** One image with the base model or an adapter at a strength ("try a prompt"). */
  generateImage(request: GenerateRequest): Promise<GeneratedImage>;
  /**
   * The training runs of a project (`<project>/runs/*` holding a job.json), newest first.
   * @example const [latest] = await api.listRuns('/art/ink'); latest.name // 'ink-20261128-090507'
   */
  listRuns(project: string): Promise<RunSummary[]>;
  /**
   * The adapter files a run saved, checkpoints by step then the final one.
   * @example const adapters = await api.listRunAdapters('/art/ink/runs/ink-1'); adapters.at(-1) // { label: 'final', step: null, … }
   */
  listRunAdapters(runDir: string): Promise<RunAdapter[]>;
  /**
   * The comparisons a run holds (the one training wrote, and those rendered since), newest first.
   * @example const [latest] = await api.listComparisons('/art/ink/runs/ink-1')
   */
  listComparisons(runDir: string): Promise<Comparison[]>;
  /**
   * Renders prompts × columns (base, adapters at strengths, checkpoints) in a worker: what `tessera compare` makes.
   * @example await api.renderComparison({ modelPath, runDir, prompts: ['ink style, a cat'], columns: [{ label: 'base' }, { label: '×1', lora: { path, strength: 1 } }], seed: 1 })
   */
  renderComparison(request: CompareRequest): Promise<Comparison>;
  exportAdapter(request: ExportRequest): Promise<ExportedAdapter>;
  /**
   * Which keys of an adapter each tool applies to the base model, before the user leaves the app.
   * @example const { consumers, fix } = await api.checkCompatibility('/runs/ink/ink.safetensors', '/models/sd15.safetensors')
   */
  checkCompatibility(adapterPath: string, modelPath: string): Promise<CompatibilityReport>;
}

export type TrainingEvents = {
  'train.job': JobInfo;
  'train.progress': { jobId: string; progress: Progress };
  'train.sample': { jobId: string; sample: SampleInfo };
  /** Per-step latents of a running generation for the live preview. */
  'sample.preview': PreviewReport;
};
