// "Where am I running": the compute device training would use (probed in a worker process, since only workers
// load ONNX Runtime), the model folders of other apps found on this machine, and Tessera's own folders.
import type { EnvironmentReport } from '../api/contract';
import { ApiError } from '../api/errors';
import type { DeviceReport } from '../engine/runtime/providers';
import { appPaths } from './app-paths';
import { findModelFolders } from './model-folders';
import type { WorkerLauncher } from './worker-process';

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

/** The first-run report the Start screen shows. */
export async function environmentReport(launch: WorkerLauncher): Promise<Omit<EnvironmentReport, 'compute'>> {
  const [device, modelFolders] = await Promise.all([devicesInWorker(launch), findModelFolders()]);
  return { device, modelFolders, paths: appPaths() };
}
