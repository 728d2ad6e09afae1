// Electron's way to start the trainer worker: a utilityProcess (a Node child that Chromium supervises and
// that survives renderer reloads). Implements the same WorkerLauncher the web server gets from fork().
import { utilityProcess } from 'electron';
import type { WorkerHandle, WorkerLauncher } from '../jobs/worker-host';
import { workerEntry } from '../jobs/worker-host';
import type { WorkerMessage } from '../api/worker-messages';

const STDERR_KEEP = 4000;

/** @example new TrainerJobs(utilityLauncher()) */
export function utilityLauncher(entry = workerEntry()): WorkerLauncher {
  return (): WorkerHandle => {
    const child = utilityProcess.fork(entry.path, [], {
      execArgv: entry.execArgv,
      stdio: ['ignore', 'inherit', 'pipe'],
      serviceName: 'Tessera trainer',
    });
    let tail = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-STDERR_KEEP);
    });
    return {
      get pid() {
        return child.pid;
      },
      send: (message) => child.postMessage(message),
      onMessage: (listener) => child.on('message', (m: unknown) => listener(m as WorkerMessage)),
      // utilityProcess reports only an exit code; a crash by signal shows as a non-zero code.
      onExit: (listener) => child.on('exit', (code: number) => listener(code, null)),
      kill: () => void child.kill(),
      stderrTail: () => tail,
    };
  };
}
