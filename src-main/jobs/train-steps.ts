// The trainable side of a run: the LoRA planned and initialised (or continued from a file) as the step graph's
// named parameters, and the compiled training steps — one graph per batch shape on the host optimizer, or the
// device trainer that keeps parameters and AdamW moments on WebGPU. The graph options are decided once here.
import type { TensorValue } from '../engine';
import type { ProviderName } from '../engine/runtime/session';
import type { LoRAAdapter } from '../lora/adapter-weights';
import { loraInputNames, type InjectModule } from '../lora/inject';
import { continueFromFile, initLoRA, planTargets, type LoRAPlan } from '../lora/plan';
import type { FamilyConfig } from '../models/families';
import { buildUNet } from '../models/unet';
import { componentOf, type OpenedCheckpoint } from '../models/weights';
import { recomputeMode, type RecomputeMode, type TrainConfig } from '../train/config';
import { DeviceTrainer } from '../train/device-state';
import type { StepRunner } from '../train/loop';
import type { Tensors } from '../train/optim/index';
import { streamRng } from '../random';
import {
  ATTENTION_CORE_SEGMENTS,
  STEP_INPUTS,
  UNET_BLOCK_SEGMENTS,
  type StepGraphOptions,
  type StepShape,
} from '../train/step-graph';
import { compileTrainStep, type TrainStep } from '../train/train-step';
import type { JobCompute } from './open-model';

/** The LoRA being trained: its modules, the initial adapter and its parameters as the step graph names them. */
export interface TrainableLoRA {
  modules: InjectModule[];
  initial: LoRAAdapter;
  params: Tensors;
  shapes: Map<string, number[]>;
}

/**
 * The settings the chosen device runs: fp16 is only emulated on the CPU (slower, no memory saved), so the CPU
 * trains in fp32, as the precision option's help says.
 * @example forDevice({ ...config, precision: 'fp16' }, 'cpu').precision // 'fp32'
 */
export function forDevice(config: TrainConfig, provider: ProviderName): TrainConfig {
  return provider === 'cpu' && config.precision === 'fp16' ? { ...config, precision: 'fp32' } : config;
}

/**
 * Plans the run's LoRA on the model's own targets and initialises it (seeded) or loads the file to continue from.
 * @example const lora = await planLoRA(config, ckpt.config); lora.params.size // 2 per target
 */
export async function planLoRA(
  config: TrainConfig,
  family: FamilyConfig,
  initialLoRA?: string,
): Promise<TrainableLoRA> {
  const plan: LoRAPlan = {
    family: family.id,
    config: family,
    targetSet: config.targets,
    rank: config.rank,
    alpha: config.alpha,
  };
  const modules: InjectModule[] = planTargets(plan).map((target) => ({
    target,
    rank: config.rank,
    alpha: config.alpha,
  }));
  const initial = initialLoRA
    ? await continueFromFile(plan, initialLoRA)
    : initLoRA(plan, streamRng(config.seed, 'init', 0));
  return { modules, initial, ...paramsOf(initial, modules) };
}

/** The LoRA parameters as the step graph names them (`lora.<ldmPath>.down/up`), with their shapes. */
function paramsOf(
  adapter: LoRAAdapter,
  modules: readonly InjectModule[],
): { params: Tensors; shapes: Map<string, number[]> } {
  const byModule = new Map(adapter.modules.map((m) => [m.module, m]));
  const params: Tensors = new Map();
  const shapes = new Map<string, number[]>();
  for (const { target, rank } of modules) {
    const w = byModule.get(`${target.component}.${target.internalPath}`)!;
    const names = loraInputNames(target);
    params.set(names.down, w.A);
    params.set(names.up, w.B);
    shapes.set(names.down, [rank, target.inFeatures]);
    shapes.set(names.up, [target.outFeatures, rank]);
  }
  return { params, shapes };
}

/**
 * The adapter record of the current parameters (A/B shared, not copied), for export and previews.
 * @example await exportKohya(adapterOf(lora, params), path, options)
 */
export function adapterOf(lora: TrainableLoRA, params: Tensors): LoRAAdapter {
  const byModule = new Map(lora.initial.modules.map((m) => [m.module, m]));
  return {
    ...lora.initial,
    modules: lora.modules.map(({ target }) => {
      const names = loraInputNames(target);
      const m = byModule.get(`${target.component}.${target.internalPath}`)!;
      return { ...m, A: params.get(names.down)!, B: params.get(names.up)! };
    }),
  };
}

/** The compiled steps of a run and, on WebGPU, the device trainer that holds the optimizer state. */
export interface TrainSteps {
  step: StepRunner;
  device?: DeviceTrainer;
  dispose(): void;
}

/**
 * Where the optimizer runs: on WebGPU with AdamW and no accumulation, parameters, moments and gradients stay on
 * the device between steps; everything else runs the host optimizer.
 * @example trainsOnDevice('webgpu', { ...config, optimizer: 'adamw', gradientAccumulation: 1 }) // true
 */
export function trainsOnDevice(provider: ProviderName, config: TrainConfig): boolean {
  return provider === 'webgpu' && config.optimizer === 'adamw' && config.gradientAccumulation === 1;
}

/**
 * Compiles the run's training steps lazily (one per batch shape) and, where `trainsOnDevice`, the device trainer.
 * @example const steps = await trainSteps(ckpt, config, lora, compute); await runTraining({ step: steps.step, … })
 */
export async function trainSteps(
  ckpt: OpenedCheckpoint,
  config: TrainConfig,
  lora: TrainableLoRA,
  { report, onnx }: JobCompute,
): Promise<TrainSteps> {
  const options = stepGraphOptions(ckpt, config, lora.modules);
  const recipe = stepRecipe(ckpt, config, lora.modules);
  const step = stepRunner((shape, tokens) =>
    compileTrainStep(
      { ...options, shape: { batch: shape[0], height: shape[2], width: shape[3], contextLength: tokens } },
      { ...onnx, recipe },
    ),
  );
  const firstShape: StepShape = { batch: 1, height: 8, width: 8, contextLength: 77 };
  const device = trainsOnDevice(report.chosen, config)
    ? await DeviceTrainer.create({ ...options, shape: firstShape }, config, onnx, lora.params)
    : undefined;
  return {
    step,
    ...(device ? { device } : {}),
    dispose() {
      step.dispose();
      device?.dispose();
    },
  };
}

/** The recompute policy of each memory setting. */
const RECOMPUTE_POLICIES: Record<RecomputeMode, Pick<StepGraphOptions, 'checkpoint'>> = {
  blocks: { checkpoint: UNET_BLOCK_SEGMENTS },
  attention: { checkpoint: ATTENTION_CORE_SEGMENTS },
  none: {},
};

/** The step graph of the run without its batch shape: UNet with the LoRA, loss weighting, checkpointing, precision. */
function stepGraphOptions(
  ckpt: OpenedCheckpoint,
  config: TrainConfig,
  modules: readonly InjectModule[],
): Omit<StepGraphOptions, 'shape'> {
  const family = ckpt.config;
  const unetWeights = componentOf(ckpt, 'unet');
  return {
    config: family,
    modules,
    denoiser: (g, inputs) => buildUNet(g, family.unet, unetWeights, inputs),
    minSnrGamma: config.minSnrGamma,
    noiseOffset: config.noiseOffset,
    ...RECOMPUTE_POLICIES[recomputeMode(config)],
    ...(config.precision === 'fp16' ? { precision: 'f16' as const } : {}),
  };
}

/**
 * The step's options as JSON: the key under which a compiled step is remembered between runs (with its shape,
 * the code's identity and the weight files' state, added where it is compiled). Read from `stepGraphOptions`
 * itself, so an option added there is part of the key; its code (the denoiser, the recompute policy) is named
 * by the checkpoint and the memory setting.
 * @example stepRecipe(ckpt, config, modules).recompute // 'none'
 */
export function stepRecipe(ckpt: OpenedCheckpoint, config: TrainConfig, modules: readonly InjectModule[]) {
  const { denoiser: _denoiser, checkpoint: _policy, ...data } = stepGraphOptions(ckpt, config, modules);
  return { checkpoint: ckpt.path, recompute: recomputeMode(config), ...data };
}

/** A step runner that compiles one training graph per (batch, latent size, tokens) and reuses it. */
function stepRunner(
  make: (shape: number[], tokens: number) => Promise<TrainStep>,
): StepRunner & { dispose(): void } {
  const steps = new Map<string, Promise<TrainStep>>();
  return {
    async run(feeds: Record<string, TensorValue>, params: Tensors) {
      const shape = feeds[STEP_INPUTS.latents].shape;
      const tokens = feeds[STEP_INPUTS.context].shape[1];
      const key = `${shape.join('x')}:${tokens}`;
      let step = steps.get(key);
      if (!step) {
        step = make(shape, tokens);
        steps.set(key, step);
      }
      return (await step).run(feeds, params);
    },
    dispose() {
      for (const s of steps.values()) void s.then((x) => x.dispose());
    },
  };
}
