// The trainer worker process entry (child_process.fork, or Electron's utilityProcess): owns every ONNX Runtime
// session, runs one job, one generation, one comparison or one captioning run (each a function of jobs/), and
// reports only by messages (train/messages.ts).
// Pause/resume/cancel arrive as messages.
import { codeOf } from '../api/errors';
import { openCaptioner } from '../caption/index';
import { devices } from '../engine/runtime/providers';
import type { CaptionJobSpec, HostMessage, WorkerMessage } from '../api/worker-messages';
import { isHostMessage } from '../api/worker-messages';
import { PauseGate } from '../train/loop';
import { runCaptionJob } from './caption-run';
import { renderComparison } from './compare-run';
import { generateImage } from './generate-image';
import { runTrainJob } from './train-job';

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
    generateImage(message.spec, (preview) => post({ type: 'preview', preview })).then(
      (image) => (post({ type: 'generated', ...image }), finish()),
      (err: unknown) => (post(failed(err)), finish()),
    );
  } else if (message.type === 'caption') {
    started = true;
    caption(message.spec).then(finish, (err: unknown) => (post(failed(err)), finish()));
  } else if (message.type === 'compare') {
    started = true;
    renderComparison(message.spec).then(
      (comparison) => (post({ type: 'compared', comparison }), finish()),
      (err: unknown) => (post(failed(err)), finish()),
    );
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
