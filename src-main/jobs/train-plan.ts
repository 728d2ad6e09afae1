// The plan checks of a training run, the same for the app, web mode and `tessera train`: the settings (preset
// merged, validated), the base model (a LoRA, an unknown or refused file), the dataset (usable images, captions,
// buckets), and what the run would do (steps, memory, warnings, a recommended preset).
import { isAbsolute } from 'node:path';
import { ApiError } from '../api/errors';
import type { TrainPlan, TrainRequest } from '../api/training';
import type { FamilyConfig } from '../models/families';
import { inspectModel } from '../models/inspect';
import { unetLoRATargets } from '../models/keymap/lora-names';
import { openCheckpoint } from '../models/weights';
import { batchesPerEpoch } from '../train/batches';
import { withPreset } from '../api/train-config';
import { DEFAULT_CONFIG, PRESETS, validateConfig, type TrainConfig } from '../train/config';
import { settingsWarnings } from '../train/config-warnings';
import { scanDataset, type ScannedDataset } from '../train/dataset-items';
import { totalStepsOf } from '../train/loop';
import { estimateTrainingMemory } from '../train/memory-estimate';
import { recommendSettings } from '../train/recommend';

/**
 * A path the user gave, refused unless absolute (front doors resolve relative ones against their own folder).
 * @example absolutePath('Dataset folder', '/art/ink') // '/art/ink'; absolutePath('Dataset folder', 'ink') throws
 */
export function absolutePath(label: string, path: string): string {
  if (!path || !isAbsolute(path))
    throw new ApiError('INVALID_ARGUMENT', `${label}: give a full path, not "${path}".`);
  return path;
}

/** What the plan learned about the base model. */
interface ModelFacts {
  family: string;
  unetParams: number;
  /** The model's own architecture; null when it cannot be trained on. */
  architecture: FamilyConfig | null;
}

/**
 * Checks a request and says what the run would do; `problems` empty means it can start.
 * @example const plan = await planTraining({ modelPath, datasetDir, name: 'ink', runsDir }); plan.problems // []
 */
export async function planTraining(request: TrainRequest): Promise<TrainPlan> {
  const { config, problems } = configOf(request);
  const warnings: string[] = [];
  if (!/^[\w.-]+$/.test(request.name))
    problems.push('Adapter name: use letters, digits, "-", "_" or "." only.');
  const model = await checkModel(request.modelPath, problems, warnings);
  const scan = await checkDataset(request.datasetDir, config, problems, warnings);
  const perEpoch = scan.items.length ? batchesPerEpoch(scan.items, config.batchSize) : 0;
  const totalSteps = perEpoch ? totalStepsOf(config, perEpoch) : 0;
  const nativeResolution = model.architecture?.resolution ?? null;
  warnings.push(...settingsWarnings(config, { totalSteps, nativeResolution }));
  return {
    config,
    problems,
    warnings,
    family: model.family,
    images: scan.items.length,
    captioned: scan.captioned,
    buckets: bucketCounts(scan),
    batchesPerEpoch: perEpoch,
    totalSteps,
    nativeResolution,
    recommendation: recommendSettings({ family: model.family, images: scan.items.length, nativeResolution }),
    memoryEstimate:
      model.unetParams > 0
        ? estimateTrainingMemory({
            unetParams: model.unetParams,
            loraParams: loraParamsOf(model.architecture, config),
            config,
          })
        : null,
  };
}

/**
 * Refuses a plan with problems, in the words every front door shows (the app's Start, web mode, `tessera train`).
 * @example assertPlanned(await planTraining(request)) // throws ApiError INVALID_ARGUMENT "… is a LoRA, not a base model."
 */
export function assertPlanned(plan: TrainPlan): TrainPlan {
  if (plan.problems.length) throw new ApiError('INVALID_ARGUMENT', plan.problems.join(' '));
  return plan;
}

/** The request's settings: defaults, its preset, its choices; with every problem found in them. */
function configOf(request: TrainRequest): { config: TrainConfig; problems: string[] } {
  const preset = request.presetId ? PRESETS.find((p) => p.id === request.presetId) : undefined;
  if (request.presetId && !preset)
    return { config: { ...DEFAULT_CONFIG }, problems: [`Unknown preset "${request.presetId}".`] };
  const config = withPreset(DEFAULT_CONFIG, preset, request.config);
  return { config, problems: validateConfig(config) };
}

async function checkModel(modelPath: string, problems: string[], warnings: string[]): Promise<ModelFacts> {
  const facts: ModelFacts = { family: 'unknown', unetParams: 0, architecture: null };
  try {
    const info = await inspectModel(absolutePath('Base model', modelPath));
    facts.family = info.family;
    facts.unetParams = info.components.find((c) => c.name === 'unet')?.params ?? 0;
    if (info.layout === 'lora') problems.push(`${modelPath} is a LoRA, not a base model.`);
    else if (info.family === 'unknown')
      problems.push(`${modelPath}: not a Stable Diffusion 1.x, 2.x or XL checkpoint.`);
    // The words the job itself refuses with (assertUsableModel), so every front door says it the same way.
    else if (info.refusal) problems.push(`${modelPath} cannot be trained on: ${info.refusal}.`);
    else facts.architecture = (await openCheckpoint(modelPath)).config;
    warnings.push(...info.warnings);
  } catch (err) {
    problems.push(err instanceof Error ? err.message : String(err));
  }
  return facts;
}

async function checkDataset(
  datasetDir: string,
  config: TrainConfig,
  problems: string[],
  warnings: string[],
): Promise<ScannedDataset> {
  let scan: ScannedDataset = { items: [], skipped: [], captioned: 0 };
  try {
    scan = await scanDataset(absolutePath('Dataset folder', datasetDir), config.resolution);
  } catch (err) {
    problems.push(`Dataset folder: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (scan.items.length === 0) problems.push('The dataset folder has no usable images.');
  for (const s of scan.skipped.slice(0, 5)) warnings.push(`Skipped ${s.path}: ${s.reason}`);
  if (scan.items.length && scan.captioned < scan.items.length)
    warnings.push(
      `${scan.items.length - scan.captioned} image(s) have no caption; they train on an empty prompt.`,
    );
  return scan;
}

function bucketCounts(scan: ScannedDataset): TrainPlan['buckets'] {
  const buckets = new Map<string, { width: number; height: number; images: number }>();
  for (const item of scan.items) {
    const key = `${item.bucket.width}x${item.bucket.height}`;
    const b = buckets.get(key) ?? { ...item.bucket, images: 0 };
    b.images += 1;
    buckets.set(key, b);
  }
  return [...buckets.values()];
}

/** Parameters of the planned LoRA (A and B of every target of the model's own architecture), or 0 without one. */
function loraParamsOf(architecture: FamilyConfig | null, config: TrainConfig): number {
  if (!architecture) return 0;
  const targets = unetLoRATargets(architecture, config.targets);
  return targets.reduce((n, t) => n + config.rank * (t.inFeatures + t.outFeatures), 0);
}
