// The trainer worker process entry (child_process.fork, or Electron's utilityProcess): owns every ONNX Runtime
// session, runs one job, and reports only by messages (messages.ts). Pause/resume/cancel arrive as messages.
import type { HostMessage, WorkerMessage } from './messages';
import { isHostMessage } from './messages';
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
let started = false;

async function start(message: Extract<HostMessage, { type: 'start' }>): Promise<void> {
  started = true;
  try {
    const outcome = await runTrainJob(message.job, { post, pause: gate, signal: abort.signal });
    post({ type: 'done', outcome });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    post({ type: 'failed', message: e.message, ...(e.stack ? { stack: e.stack } : {}) });
  }
  // Let the last messages flush before the process ends on its own.
  setTimeout(() => process.exit(0), 50);
}

function handle(message: unknown): void {
  if (!isHostMessage(message)) return;
  if (message.type === 'start' && !started) void start(message);
  else if (message.type === 'pause') gate.pause();
  else if (message.type === 'resume') gate.resume();
  else if (message.type === 'cancel') {
    abort.abort();
    gate.resume();
  }
}

if (parentPort) parentPort.on('message', (e) => handle(e.data));
else process.on('message', handle);
post({ type: 'ready' });
