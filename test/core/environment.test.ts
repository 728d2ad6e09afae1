import { describe, expect, it } from 'vitest';
import { devicesInWorker, environmentReport, remembered } from '../../src-main/core/environment';
import { forkLauncher } from '../../src-main/jobs/worker-host';

describe('environment report', () => {
  it('probes the compute devices in a worker process and lists folders and paths', async () => {
    const device = await devicesInWorker(forkLauncher());
    expect(device.providers.find((p) => p.name === device.chosen)?.status).toBe('used');
    const paths = { settings: null, projects: '/p', cache: '/c' };
    const report = await environmentReport(async () => device, paths);
    expect(report.device.chosen).toBe(device.chosen);
    expect(Array.isArray(report.modelFolders)).toBe(true);
    expect(report.paths).toBe(paths);
  });

  it('remembers a probe that answered and retries one that failed', async () => {
    let calls = 0;
    const flaky = remembered(async () => {
      calls += 1;
      if (calls === 1) throw new Error('first probe fails');
      return calls;
    });
    await expect(flaky()).rejects.toThrow('first probe fails');
    expect(await flaky()).toBe(2);
    expect(await flaky()).toBe(2);
    expect(calls).toBe(2);
  });

  it('reports the folders the services use and probes the devices once', async () => {
    const { Services } = await import('../../src-main/core/services');
    let workers = 0;
    const launch = forkLauncher();
    const services = new Services({
      mode: 'web',
      watch: false,
      cacheDir: '/tmp/tessera-env-cache',
      projectsDir: '/tmp/tessera-env-projects',
      launcher: () => (workers++, launch()),
    });
    const first = await services.getEnvironment();
    expect(first.paths).toEqual({
      settings: null,
      projects: '/tmp/tessera-env-projects',
      cache: '/tmp/tessera-env-cache',
    });
    await services.setProjectsFolder('/tmp/elsewhere');
    const second = await services.getEnvironment();
    expect(second.paths.projects).toBe('/tmp/elsewhere');
    expect(second.device).toEqual(first.device);
    expect(workers).toBe(1);
    services.dispose();
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
