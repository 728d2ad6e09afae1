// Captioning in a one-off trainer worker process (the worker owns every ONNX Runtime session; this process never
// loads ORT). Batches arrive as messages and are handed on in order; a batch handler that writes files finishes
// before the next one starts, and before the run resolves.
import type { CaptionJobSpec, WorkerMessage } from '../api/worker-messages';
import { workerFailure, type WorkerLauncher } from '../jobs/worker-host';

export interface CaptionWorkerRun {
  /** Resolves when the worker has reported every batch it did (and the handler has dealt with them). */
  done: Promise<{ cancelled: boolean }>;
  /** Asks the worker to stop after (or inside) its current batch. */
  cancel(): void;
}

/**
 * @example const run = captionInWorker(forkLauncher(), spec, async (paths, captions) => write(paths, captions)); await run.done
 */
export function captionInWorker(
  launch: WorkerLauncher,
  spec: CaptionJobSpec,
  onBatch: (paths: string[], captions: string[]) => Promise<void>,
): CaptionWorkerRun {
  const worker = launch();
  let handled: Promise<void> = Promise.resolve();
  let handlerError: unknown = null;
  let outcome: { cancelled: boolean } | null = null;
  let failure: Extract<WorkerMessage, { type: 'failed' }> | null = null;
  let cancelRequested = false;
  worker.onMessage((m) => {
    if (m.type === 'ready') worker.send({ type: 'caption', spec });
    else if (m.type === 'captions')
      handled = handled.then(async () => {
        if (handlerError !== null) return;
        try {
          await onBatch(m.paths, m.captions);
        } catch (err) {
          handlerError = err;
          worker.send({ type: 'cancel' });
        }
      });
    else if (m.type === 'captions-done') outcome = { cancelled: m.cancelled };
    else if (m.type === 'failed') failure = m;
  });
  const done = new Promise<{ cancelled: boolean }>((resolve, reject) => {
    worker.onExit((code, signal) => {
      void handled.then(() => {
        if (handlerError !== null) return reject(handlerError);
        if (outcome) return resolve(outcome);
        if (cancelRequested && !failure) return resolve({ cancelled: true });
        reject(workerFailure('Captioning failed', failure, { code, signal, stderr: worker.stderrTail() }));
      });
    });
  });
  return {
    done,
    cancel: () => {
      cancelRequested = true;
      worker.send({ type: 'cancel' });
    },
  };
}

/**
 * Seconds left at the pace so far; null before anything is done.
 * @example etaOf(10_000, 5, 20) // 30
 */
export function etaOf(elapsedMs: number, done: number, total: number): number | null {
  if (done <= 0) return null;
  return Math.round(((elapsedMs / done) * (total - done)) / 1000);
}
