// The trainer worker process entry (child_process.fork, or Electron's utilityProcess): owns every ONNX Runtime
// session, runs one job, one generation or one captioning run, and reports only by messages (api/worker-messages.ts).
// Pause/resume/cancel arrive as messages.
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { codeOf } from '../api/errors';
import {
  isHostMessage,
  type CaptionJobSpec,
  type CompareSpec,
  type GenerateSpec,
  type HostMessage,
  type WorkerMessage,
} from '../api/worker-messages';
import { openCaptioner } from '../caption/index';
import { devices } from '../engine/runtime/providers';
import { targetsOf } from '../lora/adapter-weights';
import { loadLoRA } from '../lora/load';
import { loadModelTokenizer } from '../models/tokenizer-files';
import { readComparison } from '../core/run-comparisons';
import { CheckpointModel } from '../sample/checkpoint-model';
import { compareRun } from '../sample/compare-run';
import { parsePromptLine } from '../sample/prompt-file';
import { txt2img } from '../sample/txt2img';
import { runCaptionJob } from './caption-run';
import { previewReport } from './messages';
import { runTrainJob } from './job';
import { PauseGate } from './loop';

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

/** Electron's utilityProcess exposes process.parentPort; fork gives process.send. */
const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

function post(message: WorkerMessage): void {
  if (parentPort) parentPort.postMessage(message);
  else process.send?.(message);
}

const gate = new PauseGate();
const abort = new AbortController();
/** "Save now" asked and not yet taken by the loop. */
let saveAsked = false;
const saveNow = (): boolean => {
  const asked = saveAsked;
  saveAsked = false;
  return asked;
};
let started = false;

function failed(err: unknown): WorkerMessage {
  const e = err instanceof Error ? err : new Error(String(err));
  // The code travels with the words, so a front door can tell the user's mistake (4xx) from our bug (500).
  const { message, stack, name } = e;
  return { type: 'failed', message, name, code: codeOf(e), ...(stack ? { stack } : {}) };
}

/** Ends the process on its own once the last messages had time to flush. */
function finish(): void {
  setTimeout(() => process.exit(0), 50);
}

async function start(message: Extract<HostMessage, { type: 'start' }>): Promise<void> {
  try {
    const outcome = await runTrainJob(message.job, { post, pause: gate, signal: abort.signal, saveNow });
    post({ type: 'done', outcome });
  } catch (err) {
    post(failed(err));
  }
  finish();
}

/** The base model for one-off rendering, on the chosen (or best) device. */
async function openModel(
  modelPath: string,
  { cacheDir, device, threads }: Pick<GenerateSpec, 'cacheDir' | 'device' | 'threads'>,
): Promise<CheckpointModel> {
  const chosen = await devices(device ? { prefer: [device] } : {});
  const tokenizer = await loadModelTokenizer(modelPath, cacheDir);
  return CheckpointModel.open(modelPath, {
    tokenizer,
    cacheDir: join(cacheDir, 'onnx'),
    providers: [chosen.chosen],
    ...(threads ? { threads } : {}),
    hash: false,
  });
}

/** A comparison for the Style gallery: every prompt for every column, the cells and sheet on disk. */
async function compare(spec: CompareSpec): Promise<void> {
  const model = await openModel(spec.modelPath, spec);
  try {
    const prompts = spec.prompts.map((line, i) => parsePromptLine(line, i));
    await compareRun(model, prompts, spec.columns, { seed: spec.seed, out: spec.out });
    post({ type: 'compared', comparison: await readComparison(`${spec.out}.json`) });
  } finally {
    model.dispose();
  }
}

/** One "try a prompt" image: base model or adapter at a strength, previews per step, the PNG on disk. */
async function generate({ request, ...options }: GenerateSpec): Promise<void> {
  const model = await openModel(request.modelPath, options);
  if (request.lora) {
    const loaded = await loadLoRA(request.lora.path, { targets: targetsOf(model.ckpt.config) });
    model.setLoRA(loaded.adapter, request.lora.strength);
  }
  const [h, w] = [request.height / model.downscale, request.width / model.downscale];
  const family = model.ckpt.config.family;
  const { lora, outPath, modelPath: _model, ...settings } = request;
  const named = lora
    ? { lora: { name: basename(lora.path, extname(lora.path)), strength: lora.strength } }
    : {};
  const { png, parameters } = await txt2img(model, { ...settings, ...named }, (step, _x, denoised) =>
    post({ type: 'preview', preview: previewReport(step, request.steps, w, h, family, denoised) }),
  );
  await mkdir(dirname(outPath), { recursive: true });
  await writeFile(outPath, png);
  post({ type: 'generated', path: outPath, parameters });
}

/** Captions a list of images on the best device here (or the one asked for), batch by batch (caption-run.ts). */
async function caption(spec: CaptionJobSpec): Promise<void> {
  await runCaptionJob(
    spec,
    (s) =>
      openCaptioner(s.entry, s.folder, {
        tagger: { ...s.settings, batchSize: s.batchSize },
        florence2: {
          ...(s.settings.task ? { task: s.settings.task } : {}),
          ...(s.settings.beams ? { beams: s.settings.beams } : {}),
          ...(s.settings.maxNewTokens ? { maxNewTokens: s.settings.maxNewTokens } : {}),
        },
        session: s.threads ? { threads: s.threads } : {},
        provider: s.device ? { prefer: [s.device] } : {},
      }),
    post,
    abort.signal,
  );
}

function handle(message: unknown): void {
  if (!isHostMessage(message)) return;
  const oneOff = ['start', 'generate', 'caption', 'compare', 'devices'].includes(message.type);
  if (oneOff && started) return; // controls (pause, resume, save, cancel) reach the running task
  if (message.type === 'start') {
    started = true;
    void start(message);
  } else if (message.type === 'generate') {
    started = true;
    generate(message.spec).then(finish, (err: unknown) => (post(failed(err)), finish()));
  } else if (message.type === 'caption') {
    started = true;
    caption(message.spec).then(finish, (err: unknown) => (post(failed(err)), finish()));
  } else if (message.type === 'compare') {
    started = true;
    compare(message.spec).then(finish, (err: unknown) => (post(failed(err)), finish()));
  } else if (message.type === 'devices') {
    started = true;
    devices().then(
      (report) => (post({ type: 'devices', report }), finish()),
      (err: unknown) => (post(failed(err)), finish()),
    );
  } else if (message.type === 'pause') gate.pause();
  else if (message.type === 'resume') gate.resume();
  else if (message.type === 'save') saveAsked = true;
  else if (message.type === 'cancel') {
    abort.abort();
    gate.resume();
  }
}

if (parentPort) parentPort.on('message', (e) => handle(e.data));
else process.on('message', handle);
post({ type: 'ready' });
