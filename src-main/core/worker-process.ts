// Starting the trainer worker as a separate process, so a GPU driver crash or an out-of-memory kill never
// takes the window down. Plain Node uses child_process.fork; Electron passes its utilityProcess launcher.
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HostMessage, WorkerMessage } from '../train/messages';

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
  return { path: resolve(here, '../train/worker.ts'), execArgv: ['--import', 'tsx'] };
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
