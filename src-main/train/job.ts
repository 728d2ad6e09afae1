// One training run, start to finish, as the worker runs it: open the model, scan the dataset, fill the latent
// cache, plan and initialise the LoRA, compile one training step per batch shape, run the loop, and export
// kohya adapters (checkpoints and final) and preview images into the run folder.
import { assertUsableModel } from '../models/inspect';
import { appendFile, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createHash } from 'node:crypto';
import type { TensorValue } from '../engine';
import { devices } from '../engine/runtime/providers';
import { buildLatentCache } from '../dataset/latent-cache';
import type { LoRAAdapter } from '../lora/adapter-weights';
import { targetsOf } from '../lora/adapter-weights';
import { exportKohya } from '../lora/export-kohya';
import { cachedFileSha256, legacyModelHash } from '../lora/hashes';
import { loraInputNames, type InjectModule } from '../lora/inject';
import { continueFromFile, initLoRA, planTargets, type LoRAPlan } from '../lora/plan';
import { Encoder } from '../models/conditioning';
import { loadModelTokenizer } from '../models/tokenizer-files';
import type { FamilyConfig } from '../models/families';
import { buildUNet } from '../models/unet';
import { VAE } from '../models/vae-run';
import { componentOf, openCheckpoint } from '../models/weights';
import { CheckpointModel } from '../sample/checkpoint-model';
import type { GridColumn } from '../sample/compare-grid';
import { compareRun } from '../sample/compare-run';
import { parsePromptLine } from '../sample/prompt-file';
import { requestFromPrompt, txt2img } from '../sample/txt2img';
import { datasetBatches } from './batches';
import { cachedLoader } from './data-loader';
import { DeviceTrainer } from './device-state';
import type { TrainConfig } from './config';
import { bucketConfigFor, scanDataset } from './dataset-items';
import { runTraining, type PauseGate, type StepRunner, type TrainOutcome } from './loop';
import type { TrainJobSpec, WorkerMessage } from '../api/worker-messages';
import { previewReport } from './messages';
import type { Tensors } from './optim/index';
import { streamRng } from './rng';
import { tagFrequency, trainingFacts, triggerPhrase } from './run-metadata';
import { STEP_INPUTS, UNET_BLOCK_SEGMENTS } from './step-graph';
import { compileTrainStep, type TrainStep } from './train-step';

export const SAMPLES_DIR = 'samples';
export const SAMPLES_INDEX_FILE = 'index.jsonl';

export interface JobHooks {
  post(message: WorkerMessage): void;
  pause?: PauseGate;
  signal?: AbortSignal;
  /** True once when the user asked for a checkpoint now. */
  saveNow?: () => boolean;
}

const DTYPES = { fp16: 'F16', bf16: 'BF16', fp32: 'F32' } as const;

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

/** The adapter record of the current parameters (A/B shared, not copied). */
function adapterOf(base: LoRAAdapter, modules: readonly InjectModule[], params: Tensors): LoRAAdapter {
  const byModule = new Map(base.modules.map((m) => [m.module, m]));
  return {
    ...base,
    modules: modules.map(({ target }) => {
      const names = loraInputNames(target);
      const m = byModule.get(`${target.component}.${target.internalPath}`)!;
      return { ...m, A: params.get(names.down)!, B: params.get(names.up)! };
    }),
  };
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

/** The settings the chosen device runs: fp16 is only emulated on the CPU (slower, no memory saved), so the CPU
 * trains in fp32, as the precision option's help says. */
function forDevice(config: TrainConfig, provider: string): TrainConfig {
  return provider === 'cpu' && config.precision === 'fp16' ? { ...config, precision: 'fp32' } : config;
}

/** The pooled-text width and size-id count the UNet takes, read from the model's config (SDXL base 1280/6). */
function additionOf(family: FamilyConfig): { addition?: { pooledWidth: number; timeIds: number } } {
  const add = family.unet.addition;
  const pooledWidth = family.textEncoders.at(-1)?.projectionDim;
  if (!add || !pooledWidth) return {};
  return { addition: { pooledWidth, timeIds: (add.inputDim - pooledWidth) / add.timeEmbedDim } };
}

/**
 * Runs one job; progress goes to `hooks.post`. Throws with a plain-words message when the job cannot run.
 * @example const outcome = await runTrainJob(spec, { post: (m) => process.send?.(m) })
 */
export async function runTrainJob(spec: TrainJobSpec, hooks: JobHooks): Promise<TrainOutcome> {
  const stage = (name: string, done = 0, total = 0) =>
    hooks.post({ type: 'stage', stage: name, done, total });
  await mkdir(spec.runDir, { recursive: true });
  stage('Choosing the compute device');
  const device = await devices(spec.device ? { prefer: [spec.device] } : {});
  hooks.post({ type: 'log', level: 'info', message: `Training on ${device.chosen}` });
  const config = forDevice(spec.config, device.chosen);
  if (config !== spec.config)
    hooks.post({ type: 'log', level: 'info', message: 'fp16 asked for: the CPU trains in fp32' });
  for (const p of device.providers.filter((x) => x.status !== 'used' && x.status !== 'not-on-platform'))
    hooks.post({ type: 'log', level: 'info', message: `${p.name}: ${p.reason}` });
  // Every session of the run: cached compiled models, on the chosen provider.
  const onnx = {
    cacheDir: join(spec.cacheDir, 'onnx'),
    providers: [device.chosen] as const,
    ...(spec.threads ? { threads: spec.threads } : {}),
  };
  await writeFile(join(spec.runDir, 'job.json'), JSON.stringify(spec, null, 2));

  stage('Opening the model');
  await assertUsableModel(spec.modelPath, 'trained on'); // the same check as the Start screen and the plan
  const ckpt = await openCheckpoint(spec.modelPath);
  const family = ckpt.config;
  const isDir = (await stat(spec.modelPath)).isDirectory();
  const tokenizer = await loadModelTokenizer(spec.modelPath, spec.cacheDir);

  stage('Reading the dataset');
  const scan = await scanDataset(spec.datasetDir, config.resolution);
  for (const s of scan.skipped)
    hooks.post({ type: 'log', level: 'warn', message: `Skipped ${s.path}: ${s.reason}` });
  if (!scan.items.length) throw new Error(`${spec.datasetDir} has no images Tessera can train on.`);

  const vae = VAE.fromCheckpoint(ckpt, onnx);
  const latentReport = await buildLatentCache(
    scan.items.map((i) => ({ path: i.path })),
    {
      dir: join(spec.cacheDir, 'latents'),
      modelId: await vae.encoderIdentity(),
      encoder: vae,
      settings: { bucket: bucketConfigFor(config.resolution), flip: config.flip },
      onProgress: (p) => stage('Encoding images', p.done, p.total),
      ...(hooks.signal ? { signal: hooks.signal } : {}),
    },
  );
  const downscale = vae.downscale;
  // Random crops are encoded as they are drawn, so the encoder stays loaded for the run.
  if (!config.randomCrop) vae.dispose();
  for (const f of latentReport.failed)
    hooks.post({ type: 'log', level: 'warn', message: `Skipped ${f.path}: ${f.reason}` });
  const entries = new Map(latentReport.entries.map((e) => [e.path, e]));
  const items = scan.items.filter((i) => entries.has(i.path));

  const encoder = Encoder.fromCheckpoint(ckpt, tokenizer, onnx);
  const data = datasetBatches(
    items,
    cachedLoader({
      entries,
      encoder,
      scalingFactor: family.vae.scalingFactor,
      ...additionOf(family),
      ...(config.randomCrop ? { randomCrop: vae } : {}),
    }),
    {
      seed: config.seed,
      batchSize: config.batchSize,
      flip: config.flip,
      downscale,
      caption: {
        shuffleTags: config.shuffleTags,
        keepTokens: config.keepTokens,
        captionDropout: config.captionDropout,
        tagDropout: config.tagDropout,
      },
    },
  );

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
  const initial = spec.initialLoRA
    ? await continueFromFile(plan, spec.initialLoRA)
    : initLoRA(plan, streamRng(config.seed, 'init', 0));
  const { params, shapes } = paramsOf(initial, modules);
  const unetWeights = componentOf(ckpt, 'unet');
  const step = stepRunner((shape, tokens) =>
    compileTrainStep(
      {
        config: family,
        modules,
        denoiser: (g, inputs) => buildUNet(g, family.unet, unetWeights, inputs),
        shape: { batch: shape[0], height: shape[2], width: shape[3], contextLength: tokens },
        minSnrGamma: config.minSnrGamma,
        noiseOffset: config.noiseOffset,
        ...(config.gradientCheckpointing ? { checkpoint: UNET_BLOCK_SEGMENTS } : {}),
        ...(config.precision === 'fp16' ? { precision: 'f16' as const } : {}),
      },
      onnx,
    ),
  );

  // WebGPU: parameters, moments and gradients stay on the device between steps (AdamW, no accumulation).
  const onDevice =
    device.chosen === 'webgpu' && config.optimizer === 'adamw' && config.gradientAccumulation === 1;
  const deviceState = onDevice
    ? await DeviceTrainer.create(
        {
          config: family,
          modules,
          denoiser: (g, inputs) => buildUNet(g, family.unet, unetWeights, inputs),
          shape: { batch: 1, height: 8, width: 8, contextLength: 77 },
          minSnrGamma: config.minSnrGamma,
          noiseOffset: config.noiseOffset,
          ...(config.gradientCheckpointing ? { checkpoint: UNET_BLOCK_SEGMENTS } : {}),
          ...(config.precision === 'fp16' ? { precision: 'f16' as const } : {}),
        },
        config,
        onnx,
        params,
      )
    : undefined;

  // What the adapter says about its run. The base model's hashes (A1111's, as kohya writes them) are read
  // once, at the first export, so they never delay the first step; a diffusers folder has no file hash.
  let hashes: Promise<{ legacy: string; sha256: string } | undefined> | undefined;
  const baseHashes = () =>
    (hashes ??= isDir
      ? Promise.resolve(undefined)
      : Promise.all([legacyModelHash(spec.modelPath), cachedFileSha256(spec.modelPath, spec.cacheDir)]).then(
          ([legacy, sha256]) => ({ legacy, sha256 }),
        ));
  const trigger = triggerPhrase(config, items);
  const metadataBase = {
    outputName: spec.name,
    trainingStartedAt: Date.now() / 1000,
    resolution: [config.resolution, config.resolution] as [number, number],
    sdModelName: basename(spec.modelPath),
    tagFrequency: tagFrequency(spec.datasetDir, items),
    ...(trigger ? { trigger } : {}),
  };
  const factsAt = async (steps: number) => {
    const base = await baseHashes();
    const run = { batchesPerEpoch: data.batchesPerEpoch, items, datasetDir: spec.datasetDir, steps };
    return trainingFacts(config, base ? { ...run, hashes: base } : run);
  };
  const exportAdapter = async (current: Tensors, at: number, final: boolean): Promise<string> => {
    const path = join(
      spec.runDir,
      final ? `${spec.name}.safetensors` : `${spec.name}-step${String(at).padStart(6, '0')}.safetensors`,
    );
    await exportKohya(adapterOf(initial, modules, current), path, {
      dtype: DTYPES[config.saveDtype],
      metadata: {
        ...metadataBase,
        training: await factsAt(at),
        ...(final ? { trainingFinishedAt: Date.now() / 1000 } : {}),
        extra: { 'tessera.step': String(at) },
      },
      targets: targetsOf(family),
    });
    return path;
  };

  let previewer: CheckpointModel | null = null;
  const prompts = (spec.samplePrompts ?? []).map((line, i) => parsePromptLine(line, i));
  const onSample = prompts.length
    ? async (current: Tensors, at: number) => {
        previewer ??= await CheckpointModel.open(spec.modelPath, { tokenizer, ...onnx, hash: false });
        previewer.setLoRA(adapterOf(initial, modules, current), 1);
        const dir = join(spec.runDir, SAMPLES_DIR);
        await mkdir(dir, { recursive: true });
        for (const p of prompts) {
          stage(`Rendering preview ${p.index + 1} of ${prompts.length}`);
          const request = requestFromPrompt(p, config.seed);
          const [w, h] = [request.width / previewer.downscale, request.height / previewer.downscale];
          // The dashboard's live preview: the latents of every sampling step, as "try a prompt" sends them.
          const { png } = await txt2img(previewer, request, (step, _x, denoised) =>
            hooks.post({
              type: 'preview',
              preview: previewReport(step, request.steps, w, h, family.family, denoised),
            }),
          );
          const path = join(dir, `step${String(at).padStart(6, '0')}-${p.index}.png`);
          await writeFile(path, png);
          const sample = { step: at, index: p.index, prompt: p.prompt, path };
          await appendFile(join(dir, SAMPLES_INDEX_FILE), JSON.stringify(sample) + '\n');
          hooks.post({ type: 'sample', sample });
        }
        // NOTE: on the CPU provider every session maps the same checkpoint pages, so the previewer costs only
        // its activations. A GPU provider uploads a device copy of the UNet per session and the Node binding
        // cannot share initializers between sessions, so the previewer is released until the next round.
        if (device.chosen !== 'cpu') {
          previewer.dispose();
          previewer = null;
        }
      }
    : undefined;

  const identity = {
    model: ckpt.path,
    family: family.id,
    dataset: createHash('sha256')
      .update(JSON.stringify(items.map((i) => [i.id, i.caption, i.repeats, entries.get(i.path)?.key])))
      .digest('hex'),
  };
  try {
    stage('Training');
    const outcome = await runTraining(
      {
        config,
        runDir: spec.runDir,
        step,
        data,
        params,
        shapes,
        identity,
        ...(deviceState ? { device: deviceState } : {}),
      },
      {
        exportAdapter,
        onProgress: (progress) => hooks.post({ type: 'progress', progress }),
        onCheckpoint: (at, adapterPath) => hooks.post({ type: 'checkpoint', step: at, adapterPath }),
        onRollback: (message) => hooks.post({ type: 'log', level: 'warn', message }),
        ...(onSample ? { onSample } : {}),
        ...(hooks.signal ? { signal: hooks.signal } : {}),
        ...(hooks.pause ? { pause: hooks.pause } : {}),
        ...(hooks.saveNow ? { saveNow: hooks.saveNow } : {}),
      },
    );
    if (outcome.status === 'finished' && prompts.length) {
      // The contact sheet users judge a run by: base, the last checkpoints, and the final adapter at ½ and 1.
      stage('Rendering the compare grid');
      previewer ??= await CheckpointModel.open(spec.modelPath, { tokenizer, ...onnx, hash: false });
      const saved = (await readdir(spec.runDir))
        .filter((f) => /-step\d+\.safetensors$/.test(f))
        .sort()
        .slice(-3);
      const columns: GridColumn[] = [
        { label: 'base' },
        ...saved.map((f) => ({
          label: f.replace(/^.*-step0*(\d+)\.safetensors$/, 'step $1'),
          lora: { path: join(spec.runDir, f), strength: 1 },
        })),
        { label: 'final ×0.5', lora: { path: outcome.adapterPath, strength: 0.5 } },
        { label: 'final ×1', lora: { path: outcome.adapterPath, strength: 1 } },
      ];
      await compareRun(previewer, prompts, columns, {
        seed: config.seed,
        out: join(spec.runDir, SAMPLES_DIR, 'compare'),
      });
    }
    return outcome;
  } finally {
    step.dispose();
    deviceState?.dispose();
    encoder.dispose();
    if (config.randomCrop) vae.dispose();
    (previewer as CheckpointModel | null)?.dispose();
  }
}
