// Services over real files: tiny generated checkpoints, a real folder tree, real error classes.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppLog } from '../../src-main/api/contract';
import { ApiError, codeOf } from '../../src-main/api/errors';
import { Services } from '../../src-main/core/services';
import { makeTinyCheckpoints } from '../../scripts/make-tiny-checkpoints';

let dir: string;
let paths: Record<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-services-'));
  paths = await makeTinyCheckpoints(join(dir, 'models'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Services', () => {
  it('reports app info for its front door', async () => {
    const info = await new Services({ mode: 'web' }).getAppInfo();
    expect(info).toEqual({
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      mode: 'web',
      platform: process.platform,
    });
  });

  it('inspects a tiny SD1 checkpoint and logs it as an event', async () => {
    const services = new Services({ mode: 'cli' });
    const logs: AppLog[] = [];
    services.events.subscribe((name, payload) => {
      if (name === 'app.log') logs.push(payload as AppLog);
    });
    const info = await services.inspectModel(paths['tiny-sd1']);
    expect(info.family).toBe('sd1');
    expect(info.totalParams).toBeGreaterThan(0);
    expect(logs).toHaveLength(1);
    expect(logs[0].message).toContain(paths['tiny-sd1']);
  });

  it('says plainly when the path does not exist or is relative', async () => {
    const services = new Services({ mode: 'cli' });
    const missing = join(dir, 'nope.safetensors');
    await expect(services.inspectModel(missing)).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: `There is no file or folder at ${missing}.`,
    });
    await expect(services.inspectModel('models/a.safetensors')).rejects.toBeInstanceOf(ApiError);
  });

  it('refuses pickles and garbage with codes the UI can explain', async () => {
    const services = new Services({ mode: 'cli' });
    const ckpt = join(dir, 'old.ckpt');
    await writeFile(ckpt, Buffer.from('PK\x03\x04 not really a zip'));
    const junk = join(dir, 'junk.safetensors');
    await writeFile(junk, Buffer.from([1, 2, 3]));
    expect(codeOf(await services.inspectModel(ckpt).catch((err: unknown) => err))).toBe('UNSUPPORTED_FORMAT');
    const junkError = await services.inspectModel(junk).catch((err: unknown) => err);
    expect(['UNSUPPORTED_FORMAT', 'MALFORMED_FILE']).toContain(codeOf(junkError));
  });

  it('makes new projects in the projects folder: untitled and numbered, or named, and moved by a setting', async () => {
    const projectsDir = join(dir, 'Tessera Projects');
    const services = new Services({ mode: 'web', watch: false, projectsDir, appDataDir: join(dir, 'app') });
    const first = await services.createNewProject();
    expect(first).toMatchObject({ name: 'Untitled style 1', dir: join(projectsDir, 'Untitled style 1') });
    expect((await services.createNewProject()).name).toBe('Untitled style 2');
    expect((await services.createNewProject('ink: v2')).dir).toBe(join(projectsDir, 'ink- v2'));
    expect((await services.listRecentProjects())[0].name).toBe('ink- v2');
    expect(await services.getProjectsFolder()).toBe(projectsDir);
    await services.setProjectsFolder(join(dir, 'elsewhere'));
    expect(await services.getProjectsFolder()).toBe(join(dir, 'elsewhere'));
    expect((await services.createNewProject()).dir).toBe(join(dir, 'elsewhere', 'Untitled style 1'));
    // The choice is saved with the app settings: a new instance on the same data folder keeps it.
    const again = new Services({ mode: 'web', watch: false, projectsDir, appDataDir: join(dir, 'app') });
    expect((await again.createNewProject()).dir).toBe(join(dir, 'elsewhere', 'Untitled style 2'));
    await expect(services.setProjectsFolder('rel')).rejects.toThrow(/full path/);
    services.dispose();
    again.dispose();
  });

  it('lists model folders for the web-mode picker', async () => {
    await mkdir(join(dir, 'models', 'sub'), { recursive: true });
    const listing = await new Services({ mode: 'web' }).listDirectory(join(dir, 'models'));
    const kinds = Object.fromEntries(listing.entries.map((e) => [e.name, e.kind]));
    expect(kinds['tiny-sd1-diffusers']).toBe('diffusers');
    expect(kinds['sub']).toBe('directory');
    expect(kinds['tiny-sd1.safetensors']).toBe('file');
  });
});
