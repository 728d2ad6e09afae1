// `tessera train`: a whole run from a terminal (headless GPU boxes, scripts). The same plan checks and job as the
// app's worker; Ctrl+C stops after the current step and saves; running the same command again resumes bit-for-bit.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { TrainRequest } from '../../api/training';
import { OPTIONS, PRESETS, resolveConfig, type TrainConfig } from '../../train/config';
import { runTrainJob } from '../../jobs/train-job';
import { assertPlanned, planTraining } from '../../jobs/train-plan';
import { PauseGate } from '../../train/loop';
import type { WorkerMessage } from '../../api/worker-messages';
import { cacheDirArg, COMPUTE_USAGE, computeArgs } from '../args';
import { readTrainFile, type TrainFile } from '../train-file';
import { UsageError, type CliCommand, type CliIo } from '../io';

const optionLines = OPTIONS.map((o) => `  --${kebab(o.key).padEnd(24)}${o.help}`);

const USAGE = [
  'Usage: tessera train [CONFIG.toml] [--model M --dataset DIR --out RUN_DIR] [--name NAME] [--preset ID] [options]',
  '',
  'Trains a LoRA on a folder of images with same-name .txt captions (kohya layout, "10_name" folders repeat).',
  'RUN_DIR receives checkpoints, metrics.jsonl, a TensorBoard log, previews and NAME.safetensors.',
  'Run the same command again to resume from the last checkpoint.',
  '',
  'CONFIG.toml: model, dataset, out, name, preset, cache, continue, prompts = [...] or prompts_file, and a',
  '[train] table of the options below (snake_case, e.g. learning_rate = 1e-4). Flags override the file;',
  'paths in the file are relative to it.',
  '',
  `  --preset ID                ${PRESETS.map((p) => p.id).join(', ')}`,
  '  --prompts FILE             preview prompts (kohya prompt-file syntax)',
  '  --cache DIR                latents and compiled models',
  '  --continue LORA            start from this LoRA (same targets, rank, alpha) instead of zero',
  ...COMPUTE_USAGE,
  ...optionLines,
].join('\n');

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Training options by config key (from the file, then the command line), parsed by the option table's kinds. */
function configArgs(values: Record<string, string | number | boolean | undefined>): Partial<TrainConfig> {
  const out: Record<string, unknown> = {};
  for (const o of OPTIONS) {
    const raw = values[o.key];
    if (raw === undefined) continue;
    if (o.kind === 'bool') out[o.key] = raw === true || raw === 'true';
    else if (o.kind === 'choice') out[o.key] = String(raw);
    else {
      const n = Number(raw);
      if (!Number.isFinite(n)) throw new UsageError(`${kebab(o.key)} must be a number, not "${String(raw)}"`);
      out[o.key] = n;
    }
  }
  return out as Partial<TrainConfig>;
}

function report(io: CliIo, m: WorkerMessage): void {
  if (m.type === 'progress') {
    const p = m.progress;
    if (p.step % 10 === 0 || p.step === p.totalSteps)
      io.out(
        `step ${p.step}/${p.totalSteps}  loss ${p.smoothLoss.toFixed(4)}  lr ${p.lr.toExponential(2)}  ${p.itPerSec.toFixed(2)} it/s`,
      );
  } else if (m.type === 'stage' && (m.total === 0 || m.done === m.total)) io.out(`${m.stage}…`);
  else if (m.type === 'checkpoint') io.out(`saved ${m.adapterPath}`);
  else if (m.type === 'sample') io.out(`preview ${m.sample.path}`);
  else if (m.type === 'log') (m.level === 'info' ? io.out : io.err)(m.message);
}

/** The app's plan checks, in its words: a LoRA given as the model or an empty dataset stops here, before any work. */
async function checkPlan(io: CliIo, request: TrainRequest): Promise<void> {
  const plan = await planTraining(request);
  for (const w of plan.warnings) io.err(`warning: ${w}`);
  assertPlanned(plan);
}

export const trainCommand: CliCommand = {
  name: 'train',
  summary: 'train a LoRA on a dataset folder (resumable)',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const options: Record<string, { type: 'string' | 'boolean' }> = {
      model: { type: 'string' },
      dataset: { type: 'string' },
      out: { type: 'string' },
      name: { type: 'string' },
      preset: { type: 'string' },
      prompts: { type: 'string' },
      cache: { type: 'string' },
      continue: { type: 'string' },
      device: { type: 'string' },
      threads: { type: 'string' },
    };
    for (const o of OPTIONS) options[kebab(o.key)] = { type: o.kind === 'bool' ? 'boolean' : 'string' };
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true });
    if (positionals.length > 1) throw new UsageError('train takes at most one CONFIG.toml');
    const file: TrainFile = positionals[0]
      ? await readTrainFile(resolve(io.cwd, positionals[0]))
      : { prompts: [], options: {} };
    const flags = values as Record<string, string | boolean | undefined>;
    const text = (key: string): string | undefined => {
      const flag = flags[key];
      if (typeof flag === 'string') return key === 'name' || key === 'preset' ? flag : resolve(io.cwd, flag);
      const fromFile = file[key as keyof TrainFile];
      return typeof fromFile === 'string' ? fromFile : undefined;
    };
    const [model, dataset, out] = [text('model'), text('dataset'), text('out')];
    if (!model || !dataset || !out)
      throw new UsageError('train needs a model, a dataset and an out folder (flags or CONFIG.toml)');
    const fromFlags = Object.fromEntries(OPTIONS.map((o) => [o.key, flags[kebab(o.key)]]));
    const merged: Record<string, string | number | boolean | undefined> = {
      ...file.options,
      ...Object.fromEntries(Object.entries(fromFlags).filter(([, x]) => x !== undefined)),
    };
    const config = resolveConfig(configArgs(merged), text('preset'));
    const prompts =
      typeof flags.prompts === 'string'
        ? (await readFile(resolve(io.cwd, flags.prompts), 'utf8'))
            .split('\n')
            .filter((l) => l.trim() && !l.startsWith('#'))
        : file.prompts;
    const compute = computeArgs({
      ...(typeof flags.device === 'string' ? { device: flags.device } : {}),
      ...(typeof flags.threads === 'string' ? { threads: flags.threads } : {}),
    });
    const cont = text('continue');
    const cache = text('cache');
    const runDir = out;
    const name = text('name') ?? 'lora';
    await checkPlan(io, { modelPath: model, datasetDir: dataset, name, runsDir: dirname(out), config });
    const abort = new AbortController();
    const stop = () => {
      io.err('stopping after this step (the run is saved; run the same command to resume)…');
      abort.abort();
    };
    process.once('SIGINT', stop);
    try {
      const outcome = await runTrainJob(
        {
          runDir,
          modelPath: model,
          datasetDir: dataset,
          name,
          config,
          samplePrompts: prompts,
          cacheDir: cacheDirArg(cache, io.cwd),
          ...(cont ? { initialLoRA: cont } : {}),
          ...compute,
        },
        { post: (m) => report(io, m), signal: abort.signal, pause: new PauseGate() },
      );
      io.out(`${outcome.status} at step ${outcome.step}/${outcome.totalSteps}: ${outcome.adapterPath}`);
      if (outcome.skipped) io.out(`${outcome.skipped} step(s) skipped for non-finite gradients`);
      return 0;
    } finally {
      process.off('SIGINT', stop);
    }
  },
};
