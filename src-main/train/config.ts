// Training options: ONE table gives every option its default, bounds and one-line explanation (the Train
// screen, the CLI and validation all read it), plus the presets. Defaults follow kohya/diffusers style-LoRA
// practice (docs/reference/lora-formats.md#kohya-key-grammar, #target-modules).

import { withPreset, type OptionSpec, type Preset, type TrainConfig } from '../api/train-config';

export type {
  LrScheduleName,
  OptimizerName,
  OptionSpec,
  Precision,
  Preset,
  SaveDtype,
  TargetSetName,
  TrainConfig,
} from '../api/train-config';

export const DEFAULT_CONFIG: Readonly<TrainConfig> = {
  rank: 16,
  alpha: 8,
  targets: 'attention',
  resolution: 512,
  batchSize: 1,
  gradientAccumulation: 1,
  maxSteps: 0,
  epochs: 10,
  optimizer: 'adamw',
  learningRate: 1e-4,
  weightDecay: 0.01,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  lrSchedule: 'constant_with_warmup',
  warmupSteps: 50,
  lrCycles: 1,
  lrPower: 1,
  maxGradNorm: 1,
  minSnrGamma: 5,
  noiseOffset: 0,
  timestepMin: 0,
  timestepMax: 1000,
  seed: 42,
  precision: 'fp32',
  gradientCheckpointing: false,
  recomputeAttention: false,
  saveEverySteps: 250,
  saveEveryEpochs: 0,
  sampleEverySteps: 250,
  saveDtype: 'fp16',
  shuffleTags: false,
  keepTokens: 1,
  captionDropout: 0,
  tagDropout: 0,
  flip: false,
  randomCrop: false,
};

/** Every option, in the order the Train screen shows them. */
export const OPTIONS: readonly OptionSpec[] = [
  {
    key: 'rank',
    group: 'Adapter',
    kind: 'int',
    min: 1,
    max: 256,
    label: 'Rank',
    help: 'Adapter capacity: 8–32 suits most styles; higher learns more detail and makes bigger files.',
  },
  {
    key: 'alpha',
    group: 'Adapter',
    kind: 'float',
    min: 0.01,
    max: 256,
    label: 'Alpha',
    help: 'Scales the update by alpha/rank; half the rank is a common choice.',
  },
  {
    key: 'targets',
    group: 'Adapter',
    kind: 'choice',
    choices: ['attention', 'transformer'],
    label: 'Layers',
    help: 'attention: q/k/v/out projections; transformer: also proj_in/out and feed-forward (kohya default).',
  },
  {
    key: 'resolution',
    group: 'Length',
    kind: 'int',
    min: 64,
    max: 2048,
    label: 'Resolution',
    help: 'Training size; images are bucketed by aspect ratio at about this many pixels.',
  },
  {
    key: 'batchSize',
    group: 'Length',
    kind: 'int',
    min: 1,
    max: 64,
    label: 'Batch size',
    help: 'Images per step; more needs more memory.',
  },
  {
    key: 'gradientAccumulation',
    group: 'Length',
    kind: 'int',
    min: 1,
    max: 64,
    label: 'Gradient accumulation',
    help: 'Steps summed before one update: a larger effective batch without more memory.',
  },
  {
    key: 'maxSteps',
    group: 'Length',
    kind: 'int',
    min: 0,
    max: 1_000_000,
    label: 'Max steps',
    help: 'Stop after this many updates; 0 uses the epoch count instead.',
  },
  {
    key: 'epochs',
    group: 'Length',
    kind: 'int',
    min: 1,
    max: 10_000,
    label: 'Epochs',
    help: 'Passes over the dataset (repeats of kohya "10_name" folders count).',
  },
  {
    key: 'optimizer',
    group: 'Optimizer',
    kind: 'choice',
    choices: ['adamw', 'prodigy'],
    label: 'Optimizer',
    help: 'AdamW: the standard; Prodigy: finds its own step size (set learning rate 1).',
  },
  {
    key: 'learningRate',
    group: 'Optimizer',
    kind: 'float',
    min: 1e-7,
    max: 10,
    label: 'Learning rate',
    help: '1e-4 is a safe start for AdamW; 1.0 for Prodigy.',
  },
  {
    key: 'weightDecay',
    group: 'Optimizer',
    kind: 'float',
    min: 0,
    max: 1,
    label: 'Weight decay',
    help: 'Pulls weights toward zero (decoupled, as AdamW defines it).',
  },
  {
    key: 'beta1',
    group: 'Optimizer',
    kind: 'float',
    min: 0,
    max: 0.9999,
    label: 'Beta 1',
    help: 'Momentum of the gradient average.',
  },
  {
    key: 'beta2',
    group: 'Optimizer',
    kind: 'float',
    min: 0,
    max: 0.99999,
    label: 'Beta 2',
    help: 'Momentum of the squared-gradient average.',
  },
  {
    key: 'epsilon',
    group: 'Optimizer',
    kind: 'float',
    min: 1e-12,
    max: 1e-3,
    label: 'Epsilon',
    help: 'Keeps the update finite where gradients are tiny.',
  },
  {
    key: 'lrSchedule',
    group: 'Schedule',
    kind: 'choice',
    choices: ['constant', 'constant_with_warmup', 'cosine', 'cosine_with_restarts', 'linear', 'polynomial'],
    label: 'LR schedule',
    help: 'How the learning rate changes over the run.',
  },
  {
    key: 'warmupSteps',
    group: 'Schedule',
    kind: 'int',
    min: 0,
    max: 100_000,
    label: 'Warmup steps',
    help: 'Ramp the learning rate up from 0 over these first updates.',
  },
  {
    key: 'lrCycles',
    group: 'Schedule',
    kind: 'int',
    min: 1,
    max: 100,
    label: 'Restarts',
    help: 'Cosine cycles for cosine_with_restarts.',
  },
  {
    key: 'lrPower',
    group: 'Schedule',
    kind: 'float',
    min: 0.1,
    max: 10,
    label: 'Polynomial power',
    help: 'Shape of the polynomial decay (1 is linear).',
  },
  {
    key: 'maxGradNorm',
    group: 'Optimizer',
    kind: 'float',
    min: 0,
    max: 100,
    label: 'Gradient clipping',
    help: 'Caps the gradient norm to keep steps stable; 0 turns it off.',
  },
  {
    key: 'minSnrGamma',
    group: 'Noise',
    kind: 'float',
    min: 0,
    max: 10_000,
    label: 'Min-SNR γ',
    help: 'Down-weights easy low-noise steps; 5 is the paper value, 0 turns it off (plain MSE).',
  },
  {
    key: 'noiseOffset',
    group: 'Noise',
    kind: 'float',
    min: 0,
    max: 1,
    label: 'Noise offset',
    help: 'Helps very dark or bright images; 0.05–0.1 when wanted, else 0.',
  },
  {
    key: 'timestepMin',
    group: 'Noise',
    kind: 'int',
    min: 0,
    max: 999,
    label: 'Min timestep',
    help: 'Lowest noise level trained on.',
  },
  {
    key: 'timestepMax',
    group: 'Noise',
    kind: 'int',
    min: 1,
    max: 1000,
    label: 'Max timestep',
    help: 'One past the highest noise level trained on.',
  },
  {
    key: 'seed',
    group: 'Noise',
    kind: 'int',
    min: 0,
    max: 2 ** 31 - 1,
    label: 'Seed',
    help: 'Same seed and settings give the same adapter.',
  },
  {
    key: 'precision',
    group: 'Memory and saving',
    kind: 'choice',
    choices: ['fp32', 'fp16'],
    label: 'Precision',
    help: 'fp16 halves memory on GPUs (with loss scaling); the CPU always uses fp32.',
  },
  {
    key: 'gradientCheckpointing',
    group: 'Memory and saving',
    kind: 'bool',
    label: 'Gradient checkpointing',
    help: 'Recompute activations in the backward pass: about 40% less activation memory, 10–35% slower steps.',
  },
  {
    key: 'recomputeAttention',
    group: 'Memory and saving',
    kind: 'bool',
    label: 'Memory-efficient attention',
    help: 'Recompute attention maps in the backward pass: at 512 px about 40% less activation memory, 5–15% slower. Checkpointing includes it.',
  },
  {
    key: 'saveEverySteps',
    group: 'Memory and saving',
    kind: 'int',
    min: 0,
    max: 1_000_000,
    label: 'Save every',
    help: 'Write a resumable checkpoint every N updates (0: only at the end).',
  },
  {
    key: 'saveEveryEpochs',
    group: 'Memory and saving',
    kind: 'int',
    min: 0,
    max: 10_000,
    label: 'Save every N epochs',
    help: 'Also write a checkpoint when every Nth epoch ends (0: off).',
  },
  {
    key: 'sampleEverySteps',
    group: 'Memory and saving',
    kind: 'int',
    min: 0,
    max: 1_000_000,
    label: 'Preview every',
    help: 'Render the sample prompts every N updates (0: never).',
  },
  {
    key: 'saveDtype',
    group: 'Memory and saving',
    kind: 'choice',
    choices: ['fp16', 'bf16', 'fp32'],
    label: 'Save precision',
    help: 'fp16 files load everywhere and are half the size of fp32.',
  },
  {
    key: 'shuffleTags',
    group: 'Captions and images',
    kind: 'bool',
    label: 'Shuffle tags',
    help: 'Shuffle comma-separated tags after the kept ones, every step.',
  },
  {
    key: 'keepTokens',
    group: 'Captions and images',
    kind: 'int',
    min: 0,
    max: 32,
    label: 'Keep first tags',
    help: 'Leading tags that never move or drop (your trigger word).',
  },
  {
    key: 'captionDropout',
    group: 'Captions and images',
    kind: 'float',
    min: 0,
    max: 1,
    label: 'Caption dropout',
    help: 'Chance a step sees an empty caption (helps prompt-free style).',
  },
  {
    key: 'tagDropout',
    group: 'Captions and images',
    kind: 'float',
    min: 0,
    max: 1,
    label: 'Tag dropout',
    help: 'Chance each non-kept tag is dropped in a step.',
  },
  {
    key: 'flip',
    group: 'Captions and images',
    kind: 'bool',
    label: 'Horizontal flip',
    help: 'Also train on mirrored images (avoid for asymmetric subjects or text).',
  },
  {
    key: 'randomCrop',
    group: 'Captions and images',
    kind: 'bool',
    label: 'Random crop',
    help: 'Crop at a new random offset each step instead of the centre (slower: those crops are encoded every step).',
  },
];

export const PRESETS: readonly Preset[] = [
  {
    id: 'sd15-style',
    label: 'SD1.5 style',
    description: 'A style adapter for SD1.x models at 512 px.',
    families: ['sd1'],
    config: { resolution: 512, rank: 16, alpha: 8, learningRate: 1e-4, epochs: 10 },
  },
  {
    id: 'sd2-style',
    label: 'SD2 style',
    description: "A style adapter for SD2.x models at 768 px (the v-prediction models' size).",
    families: ['sd2', 'sd2-v'],
    config: { resolution: 768, rank: 16, alpha: 8, learningRate: 1e-4, epochs: 10 },
  },
  {
    id: 'sdxl-style',
    label: 'SDXL style',
    description: 'A style adapter for SDXL at 1024 px with memory-saving settings.',
    families: ['sdxl'],
    config: {
      resolution: 1024,
      rank: 16,
      alpha: 8,
      learningRate: 1e-4,
      epochs: 10,
      gradientCheckpointing: true,
    },
  },
  {
    id: 'quick-test',
    label: 'Quick test',
    description: 'A few hundred steps to check the dataset and settings before a long run.',
    families: ['sd1', 'sd2', 'sd2-v', 'sdxl'],
    config: { maxSteps: 200, warmupSteps: 10, saveEverySteps: 100, sampleEverySteps: 100, rank: 8, alpha: 4 },
  },
];

/** What the backward recomputes: whole blocks (checkpointing, which includes attention), attention cores, or nothing. */
export type RecomputeMode = 'blocks' | 'attention' | 'none';

/**
 * The one reading of the two memory options: checkpointing wins, since it already recomputes attention.
 * @example recomputeMode({ ...DEFAULT_CONFIG, recomputeAttention: true }) // 'attention'
 */
export function recomputeMode(
  config: Pick<TrainConfig, 'gradientCheckpointing' | 'recomputeAttention'>,
): RecomputeMode {
  if (config.gradientCheckpointing) return 'blocks';
  return config.recomputeAttention ? 'attention' : 'none';
}

/** Problems with a config, one sentence each naming the option; empty when it is usable. */
export function validateConfig(config: TrainConfig): string[] {
  const problems: string[] = [];
  for (const spec of OPTIONS) {
    const value = config[spec.key];
    if (spec.kind === 'bool') {
      if (typeof value !== 'boolean') problems.push(`${spec.label} must be on or off.`);
    } else if (spec.kind === 'choice') {
      if (!spec.choices.includes(String(value)))
        problems.push(`${spec.label} must be one of ${spec.choices.join(', ')}.`);
    } else if (typeof value !== 'number' || !Number.isFinite(value) || value < spec.min || value > spec.max) {
      problems.push(`${spec.label} must be between ${spec.min} and ${spec.max} (got ${String(value)}).`);
    } else if (spec.kind === 'int' && !Number.isInteger(value)) {
      problems.push(`${spec.label} must be a whole number (got ${value}).`);
    }
  }
  if (config.timestepMin >= config.timestepMax) problems.push('Min timestep must be below max timestep.');
  return problems;
}

/** Defaults, then a preset, then explicit choices; throws with every problem at once. */
export function resolveConfig(overrides: Partial<TrainConfig> = {}, presetId?: string): TrainConfig {
  const preset = presetId === undefined ? undefined : PRESETS.find((p) => p.id === presetId);
  if (presetId !== undefined && !preset)
    throw new Error(`unknown preset "${presetId}" (presets: ${PRESETS.map((p) => p.id).join(', ')})`);
  const config = withPreset(DEFAULT_CONFIG, preset, overrides);
  const problems = validateConfig(config);
  if (problems.length) throw new Error(`invalid training settings:\n  ${problems.join('\n  ')}`);
  return config;
}
