// The Model screen's state over a real Services instance (the same object the server and IPC call).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Services } from '../../../../src-main/core/services';
import { ModelInspection, parentOf } from '../../../../src-renderer/lib/state/model-inspection.svelte';
import { makeTinyCheckpoints } from '../../../../scripts/make-tiny-checkpoints';

let dir: string;
let paths: Record<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-state-'));
  paths = await makeTinyCheckpoints(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ModelInspection', () => {
  it('inspects a model and clears a previous error', async () => {
    const model = new ModelInspection(new Services({ mode: 'web' }));
    await model.inspect('');
    expect(model.error?.code).toBe('INVALID_ARGUMENT');
    model.path = `  ${paths['tiny-sd2']}  `;
    await model.inspect();
    expect(model.error).toBeNull();
    expect(model.path).toBe(paths['tiny-sd2']);
    expect(model.info?.family).toMatch(/^sd2/);
    expect(model.busy).toBe(false);
  });

  it('keeps errors as plain data for the screen', async () => {
    const model = new ModelInspection(new Services({ mode: 'web' }));
    await model.inspect(join(dir, 'missing.safetensors'));
    expect(model.info).toBeNull();
    expect(model.error).toMatchObject({ code: 'NOT_FOUND', name: 'ApiError' });
  });

  it('browses from a typed folder, a typed file’s folder, or home', async () => {
    const model = new ModelInspection(new Services({ mode: 'web' }));
    model.path = dir;
    await model.browseFromTypedPath();
    expect(model.listing?.path).toBe(dir);
    model.path = paths['tiny-sd1'];
    await model.browseFromTypedPath();
    expect(model.listing?.path).toBe(dir);
    model.path = join(dir, 'no', 'such');
    await model.browseFromTypedPath();
    expect(model.listing?.parent).not.toBe(dir);
    model.closeBrowser();
    expect(model.listing).toBeNull();
  });

  it('finds the folder part of a path with either separator', () => {
    expect(parentOf('/m/a.safetensors')).toBe('/m');
    expect(parentOf('/a')).toBe('/');
    expect(parentOf('C:\\models\\a.safetensors')).toBe('C:\\models');
    expect(parentOf('a.safetensors')).toBeNull();
  });
});
