import { describe, expect, it } from 'vitest';
import { devicesInWorker, environmentReport } from '../../src-main/core/environment';
import { forkLauncher } from '../../src-main/core/worker-process';

describe('environment report', () => {
  it('probes the compute devices in a worker process and lists folders and paths', async () => {
    const device = await devicesInWorker(forkLauncher());
    expect(device.providers.find((p) => p.name === device.chosen)?.status).toBe('used');
    const report = await environmentReport(forkLauncher());
    expect(report.device.chosen).toBe(device.chosen);
    expect(Array.isArray(report.modelFolders)).toBe(true);
    expect(report.paths.cache.length).toBeGreaterThan(1);
  });
});
