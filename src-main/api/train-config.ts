// The training vocabulary of the contract: the config every run is described by, the option-table row and
// the preset shape. The values (defaults, the option table, presets, validation) live in train/config.ts.

export type OptimizerName = 'adamw' | 'prodigy';
export type LrScheduleName =
  'constant' | 'constant_with_warmup' | 'cosine' | 'cosine_with_restarts' | 'linear' | 'polynomial';
export type TargetSetName = 'attention' | 'transformer';
export type SaveDtype = 'fp16' | 'bf16' | 'fp32';
export type Precision = 'fp32' | 'fp16';

export interface TrainConfig {
  rank: number;
  alpha: number;
  targets: TargetSetName;
  resolution: number;
  batchSize: number;
  gradientAccumulation: number;
  /** Optimizer steps; when 0, `epochs` decides. */
  maxSteps: number;
  epochs: number;
  optimizer: OptimizerName;
  learningRate: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  lrSchedule: LrScheduleName;
  warmupSteps: number;
  /** Cycles of cosine_with_restarts. */
  lrCycles: number;
  /** Power of the polynomial schedule. */
  lrPower: number;
  /** Clip the global gradient norm to this; 0 turns clipping off. */
  maxGradNorm: number;
  /** min-SNR-γ loss weighting; 0 turns it off. */
  minSnrGamma: number;
  noiseOffset: number;
  timestepMin: number;
  timestepMax: number;
  seed: number;
  precision: Precision;
  gradientCheckpointing: boolean;
  /** Recompute each attention core in the backward instead of keeping its maps (memory-efficient attention). */
  recomputeAttention: boolean;
  /** Save a resumable checkpoint every N optimizer steps (0: only at the end). */
  saveEverySteps: number;
  /** Also save one at the end of every N epochs (0: off). */
  saveEveryEpochs: number;
  /** Make sample previews every N optimizer steps (0: never). */
  sampleEverySteps: number;
  saveDtype: SaveDtype;
  shuffleTags: boolean;
  keepTokens: number;
  captionDropout: number;
  tagDropout: number;
  flip: boolean;
  randomCrop: boolean;
}

type NumericKey = { [K in keyof TrainConfig]: TrainConfig[K] extends number ? K : never }[keyof TrainConfig];

/** The Train screen's option groups, in the order it shows them; every option belongs to one. */
export const OPTION_GROUPS = [
  'Adapter',
  'Length',
  'Optimizer',
  'Schedule',
  'Noise',
  'Captions and images',
  'Memory and saving',
] as const;
export type OptionGroup = (typeof OPTION_GROUPS)[number];

interface OptionBase {
  key: keyof TrainConfig;
  group: OptionGroup;
  label: string;
  help: string;
}

export type OptionSpec =
  | (OptionBase & { key: NumericKey; kind: 'int' | 'float'; min: number; max: number })
  | (OptionBase & { kind: 'bool' })
  | (OptionBase & { kind: 'choice'; choices: readonly string[] });

export interface Preset {
  id: string;
  label: string;
  description: string;
  /** Model families the preset is meant for. */
  families: readonly string[];
  config: Partial<TrainConfig>;
}

/** The first-run suggestion for a model family and dataset size (train/recommend.ts computes it). */
export interface Recommendation {
  presetId: string;
  /** What the recommendation sets on top of the preset: length, warm-up and the model's own size. */
  config: Partial<TrainConfig>;
  /** One sentence: why this preset and this length. */
  reason: string;
}

/**
 * The one preset merge: defaults, then the preset's settings, then explicit choices (the services, the CLI and
 * the Train screen all build a config this way). It lives in the contract so the renderer uses it too.
 * @example withPreset(options.defaults, options.presets[0], { rank: 4 }).rank // 4
 */
export function withPreset(
  defaults: Readonly<TrainConfig>,
  preset: Pick<Preset, 'config'> | undefined,
  overrides: Partial<TrainConfig> = {},
): TrainConfig {
  return { ...defaults, ...preset?.config, ...overrides };
}
