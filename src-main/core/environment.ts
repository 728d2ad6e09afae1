// "Where am I running": the compute device training would use (probed in a worker process, since only workers
// load ONNX Runtime), the model folders of other apps found on this machine, and Tessera's own folders.
import type { EnvironmentReport } from '../api/contract';
import { ApiError } from '../api/errors';
import type { DeviceReport } from '../engine/runtime/providers';
import { findModelFolders } from './model-folders';
import type { WorkerLauncher } from '../jobs/worker-host';

/** Probes the execution providers in a one-off worker. @example const report = await devicesInWorker(forkLauncher()) */
export function devicesInWorker(launch: WorkerLauncher): Promise<DeviceReport> {
  return new Promise((resolve, reject) => {
    const worker = launch();
    let report: DeviceReport | null = null;
    let failure: string | null = null;
    worker.onMessage((m) => {
      if (m.type === 'ready') worker.send({ type: 'devices' });
      else if (m.type === 'devices') report = m.report;
      else if (m.type === 'failed') failure = m.message;
    });
    worker.onExit((code, signal) => {
      if (report) return resolve(report);
      const why = failure ?? `the worker ${signal ? `was killed (${signal})` : `exited with code ${code}`}`;
      reject(new ApiError('INTERNAL', `Could not check the compute devices: ${why}`));
    });
  });
}

/**
 * Runs `probe` once and hands every later caller the same answer; a failed probe is forgotten, so the next
 * caller tries again. Devices do not change while the app runs, and probing starts a process.
 * @example const devices = remembered(() => devicesInWorker(launch)); await devices(); await devices() // one worker
 */
export function remembered<T>(probe: () => Promise<T>): () => Promise<T> {
  let answer: Promise<T> | null = null;
  return () => {
    answer ??= probe().catch((err: unknown) => {
      answer = null;
      throw err;
    });
    return answer;
  };
}

/** The first-run report the Start screen shows, with the folders this instance actually uses. */
export async function environmentReport(
  devices: () => Promise<DeviceReport>,
  paths: EnvironmentReport['paths'],
): Promise<Omit<EnvironmentReport, 'compute'>> {
  const [device, modelFolders] = await Promise.all([devices(), findModelFolders()]);
  return { device, modelFolders, paths };
}
