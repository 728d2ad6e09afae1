// `tessera train`: a whole run from a terminal (headless GPU boxes, scripts). Same job as the app's worker;
// Ctrl+C stops after the current step and saves; running the same command again resumes bit-for-bit.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { OPTIONS, PRESETS, resolveConfig, type TrainConfig } from '../../train/config';
import { runTrainJob } from '../../train/job';
import { PauseGate } from '../../train/loop';
import type { WorkerMessage } from '../../train/messages';
import { cacheDirArg } from '../args';
import { UsageError, type CliCommand, type CliIo } from '../io';

const optionLines = OPTIONS.map((o) => `  --${kebab(o.key).padEnd(24)}${o.help}`);

const USAGE = [
  'Usage: tessera train --model M --dataset DIR --out RUN_DIR [--name NAME] [--preset ID] [options]',
  '',
  'Trains a LoRA on a folder of images with same-name .txt captions (kohya layout, "10_name" folders repeat).',
  'RUN_DIR receives checkpoints, metrics.jsonl, a TensorBoard log, previews and NAME.safetensors.',
  'Run the same command again to resume from the last checkpoint.',
  '',
  `  --preset ID                ${PRESETS.map((p) => p.id).join(', ')}`,
  '  --prompts FILE             preview prompts (kohya prompt-file syntax)',
  '  --cache DIR                latents, compiled models and the tokenizer',
  '  --continue LORA            start from this LoRA (same targets, rank, alpha) instead of zero',
  ...optionLines,
].join('\n');

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The training options given on the command line, parsed by the option table's kinds. */
function configArgs(values: Record<string, string | boolean | undefined>): Partial<TrainConfig> {
  const out: Record<string, unknown> = {};
  for (const o of OPTIONS) {
    const raw = values[kebab(o.key)];
    if (raw === undefined) continue;
    if (o.kind === 'bool') out[o.key] = raw === true || raw === 'true';
    else if (o.kind === 'choice') out[o.key] = raw;
    else {
      const n = Number(raw);
      if (!Number.isFinite(n))
        throw new UsageError(`--${kebab(o.key)} must be a number, not "${String(raw)}"`);
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
    };
    for (const o of OPTIONS) options[kebab(o.key)] = { type: o.kind === 'bool' ? 'boolean' : 'string' };
    const { values } = parseArgs({ args, options });
    const v = values as Record<string, string | boolean | undefined>;
    if (typeof v.model !== 'string' || typeof v.dataset !== 'string' || typeof v.out !== 'string')
      throw new UsageError('train needs --model, --dataset and --out');
    const config = resolveConfig(configArgs(v), typeof v.preset === 'string' ? v.preset : undefined);
    const prompts =
      typeof v.prompts === 'string'
        ? (await readFile(resolve(io.cwd, v.prompts), 'utf8'))
            .split('\n')
            .filter((l) => l.trim() && !l.startsWith('#'))
        : [];
    const runDir = resolve(io.cwd, v.out);
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
          modelPath: resolve(io.cwd, v.model),
          datasetDir: resolve(io.cwd, v.dataset),
          name: typeof v.name === 'string' ? v.name : 'lora',
          config,
          samplePrompts: prompts,
          cacheDir: join(cacheDirArg(typeof v.cache === 'string' ? v.cache : undefined, io.cwd)),
          ...(typeof v.continue === 'string' ? { initialLoRA: resolve(io.cwd, v.continue) } : {}),
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
