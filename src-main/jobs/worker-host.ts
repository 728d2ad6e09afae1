// Starting the trainer worker as a separate process, so a GPU driver crash or an out-of-memory kill never
// takes the window down. Plain Node uses child_process.fork; Electron passes its utilityProcess launcher.
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiError } from '../api/errors';
import type { HostMessage, WorkerMessage } from '../api/worker-messages';

export interface WorkerHandle {
  send(message: HostMessage): void;
  onMessage(listener: (message: WorkerMessage) => void): void;
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  kill(signal?: NodeJS.Signals): void;
  /** The last lines the worker wrote to stderr (shown when it dies). */
  stderrTail(): string;
  readonly pid: number | undefined;
}

export type WorkerLauncher = () => WorkerHandle;

const STDERR_KEEP = 4000;

/**
 * The worker entry: `worker.js` beside the bundled main (production), else the TypeScript source run
 * through tsx (development and tests).
 */
export function workerEntry(): { path: string; execArgv: string[] } {
  const here = dirname(fileURLToPath(import.meta.url));
  // Bundled: this code sits in out/main/ or in out/main/chunks/, next to or below worker.js.
  const bundled = [join(here, 'worker.js'), join(here, '..', 'worker.js')].find((p) => existsSync(p));
  if (bundled && !here.includes(`${sep}src-main${sep}`)) return { path: bundled, execArgv: [] };
  return { path: resolve(here, 'worker.ts'), execArgv: ['--import', 'tsx'] };
}

/** Launches workers with child_process.fork (web mode and CLI). @example const w = forkLauncher()() */
export function forkLauncher(entry = workerEntry()): WorkerLauncher {
  return () => {
    const child = fork(entry.path, [], {
      execArgv: entry.execArgv,
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    let tail = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-STDERR_KEEP);
    });
    return {
      pid: child.pid,
      send: (message) => {
        if (child.connected) child.send(message);
      },
      onMessage: (listener) => child.on('message', (m) => listener(m as WorkerMessage)),
      // 'close' comes after 'exit' once stdio has drained, so stderrTail() holds the last words.
      onExit: (listener) => child.on('close', listener),
      kill: (signal) => child.kill(signal),
      stderrTail: () => tail,
    };
  };
}

/** How a worker process ended without a result: its exit code or signal and the last of its stderr. */
export interface WorkerExit {
  code: number | null;
  signal: string | null;
  stderr: string;
}

/**
 * Why a one-off worker task failed, typed: the worker's own error and code, or how it died (SIGKILL: most
 * likely the system ran out of memory and killed it). `memoryAdvice` follows an out-of-memory reason.
 * @example workerFailure('Captioning failed', null, { code: 2, signal: null, stderr: 'bad model' }).message
 * // 'Captioning failed: the worker exited with code 2 (last output: bad model)'
 */
export function workerFailure(
  what: string,
  failure: Extract<WorkerMessage, { type: 'failed' }> | null,
  exit: WorkerExit,
  memoryAdvice = '',
): ApiError {
  if (failure) {
    const hint =
      failure.code === 'OUT_OF_MEMORY' && memoryAdvice ? `: not enough memory, ${memoryAdvice}` : '';
    const name = failure.name ? { name: failure.name } : {};
    return new ApiError(failure.code ?? 'INTERNAL', `${what}: ${failure.message}${hint}`, name);
  }
  if (exit.signal === 'SIGKILL')
    return new ApiError(
      'OUT_OF_MEMORY',
      `${what}: the worker was killed (SIGKILL), most likely for lack of memory${memoryAdvice ? `; ${memoryAdvice}` : ''}`,
    );
  const tail = exit.stderr.trim().split('\n').pop();
  const died = exit.signal ? `was killed (${exit.signal})` : `exited with code ${exit.code}`;
  return new ApiError(
    'INTERNAL',
    `${what}: the worker ${died}${tail ? ` (last output: ${tail.slice(0, 300)})` : ''}`,
  );
}
