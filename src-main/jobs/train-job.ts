// One training run, start to finish, as the worker and `tessera train` run it: choose the device, open the model,
// prepare the data (latent cache, batches), plan the LoRA, compile the steps, run the loop, and export kohya
// adapters (checkpoints and final) and preview images into the run folder. Each stage is its own module here.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { TrainConfig } from '../train/config';
import { runTraining, type PauseGate, type TrainOutcome } from '../train/loop';
import type { TrainJobSpec, WorkerMessage } from '../api/worker-messages';
import { chooseCompute, openBaseModel, type BaseModel, type JobCompute } from './open-model';
import { runPreviews } from './previews';
import { runExporter } from './run-export';
import { prepareTrainingData, type TrainingData } from './training-data';
import { forDevice, planLoRA, trainSteps } from './train-steps';
import { JOB_FILE } from './run-folder';

export interface JobHooks {
  post(message: WorkerMessage): void;
  pause?: PauseGate;
  signal?: AbortSignal;
  /** True once when the user asked for a checkpoint now. */
  saveNow?: () => boolean;
}

/**
 * Runs one job; progress goes to `hooks.post`. Throws with a plain-words message when the job cannot run.
 * @example const outcome = await runTrainJob(spec, { post: (m) => process.send?.(m) })
 */
export async function runTrainJob(spec: TrainJobSpec, hooks: JobHooks): Promise<TrainOutcome> {
  const stage = (name: string, done = 0, total = 0) =>
    hooks.post({ type: 'stage', stage: name, done, total });
  const warn = (message: string) => hooks.post({ type: 'log', level: 'warn', message });
  await mkdir(spec.runDir, { recursive: true });
  const { compute, config } = await chooseDevice(spec, hooks.post);
  await writeFile(join(spec.runDir, JOB_FILE), JSON.stringify(spec, null, 2));

  stage('Opening the model');
  const model = await openBaseModel(spec.modelPath, spec.cacheDir, 'trained on');
  const prepared = await prepareTrainingData(spec, config, model, compute, {
    stage,
    warn,
    ...(hooks.signal ? { signal: hooks.signal } : {}),
  });
  const lora = await planLoRA(config, model.ckpt.config, spec.initialLoRA);
  const steps = await trainSteps(model.ckpt, config, lora, compute);
  const exportAdapter = runExporter(spec, config, model, lora, prepared);
  const previews = runPreviews(spec, config.seed, model, lora, compute, hooks.post);
  try {
    stage('Training');
    const outcome = await runTraining(
      {
        config,
        runDir: spec.runDir,
        step: steps.step,
        data: prepared.data,
        params: lora.params,
        shapes: lora.shapes,
        identity: runIdentity(model, prepared),
        ...(steps.device ? { device: steps.device } : {}),
      },
      {
        exportAdapter,
        onProgress: (progress) => hooks.post({ type: 'progress', progress }),
        onCheckpoint: (at, adapterPath) => hooks.post({ type: 'checkpoint', step: at, adapterPath }),
        onRollback: warn,
        ...(previews.render ? { onSample: previews.render } : {}),
        ...(hooks.signal ? { signal: hooks.signal } : {}),
        ...(hooks.pause ? { pause: hooks.pause } : {}),
        ...(hooks.saveNow ? { saveNow: hooks.saveNow } : {}),
      },
    );
    if (outcome.status === 'finished') await previews.compareSheet(outcome.adapterPath);
    return outcome;
  } finally {
    steps.dispose();
    prepared.dispose();
    previews.dispose();
  }
}

/** The device, reported to the user with why the others are not used, and the settings it runs. */
async function chooseDevice(
  spec: TrainJobSpec,
  post: (message: WorkerMessage) => void,
): Promise<{ compute: JobCompute; config: TrainConfig }> {
  const info = (message: string) => post({ type: 'log', level: 'info', message });
  post({ type: 'stage', stage: 'Choosing the compute device', done: 0, total: 0 });
  const compute = await chooseCompute(spec.cacheDir, {
    ...(spec.device ? { device: spec.device } : {}),
    ...(spec.threads ? { threads: spec.threads } : {}),
  });
  const { report } = compute;
  info(`Training on ${report.chosen}`);
  const config = forDevice(spec.config, report.chosen);
  if (config !== spec.config) info('fp16 asked for: the CPU trains in fp32');
  for (const p of report.providers.filter((x) => x.status !== 'used' && x.status !== 'not-on-platform'))
    info(`${p.name}: ${p.reason}`);
  return { compute, config };
}

/** What a resumed run must match: the model, its family and the exact data (captions, repeats, cached latents). */
function runIdentity(model: BaseModel, { items, entries }: TrainingData) {
  return {
    model: model.ckpt.path,
    family: model.ckpt.config.id,
    dataset: createHash('sha256')
      .update(JSON.stringify(items.map((i) => [i.id, i.caption, i.repeats, entries.get(i.path)?.key])))
      .digest('hex'),
  };
}
