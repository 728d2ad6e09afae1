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

describe('revealPath', () => {
  it('hands an existing path to the desktop reveal hook, and explains web mode', async () => {
    const { Services } = await import('../../src-main/core/services');
    const shown: string[] = [];
    const desktop = new Services({ mode: 'electron', watch: false, reveal: (p) => shown.push(p) });
    await desktop.revealPath(process.cwd());
    expect(shown).toEqual([process.cwd()]);
    const web = new Services({ mode: 'web', watch: false });
    await expect(web.revealPath(process.cwd())).rejects.toThrow(/only possible in the desktop app/);
    await expect(desktop.revealPath('/no/such/file')).rejects.toThrow(/no file or folder/);
    desktop.dispose();
    web.dispose();
  });
});
