// The Dataset and Project screen states over a real Services instance and real files: import with progress
// events, the skipped report, filters, selection, caption saves, bulk edits and undo, errors in plain words.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventName, TesseraEvents } from '../../../../src-main/api/contract';
import { Services } from '../../../../src-main/core/services';
import { DatasetState } from '../../../../src-renderer/lib/state/dataset.svelte';
import { ProjectState } from '../../../../src-renderer/lib/state/project.svelte';
import { canvas, tempDir } from '../../../dataset/make-images';

let dir: string;
let cleanup: () => Promise<void>;
let services: Services;

/** Transport.onEvent over the core's own event hub, as the front doors forward it. */
function onEvent<E extends EventName>(name: E, listener: (payload: TesseraEvents[E]) => void): () => void {
  return services.events.subscribe((n, payload) => {
    if ((n as EventName) === name) listener(payload as TesseraEvents[E]);
  });
}

async function inbox(): Promise<string> {
  const folder = join(dir, 'inbox');
  await mkdir(folder, { recursive: true });
  await canvas(600, 400, 1).png().toFile(join(folder, 'a.png'));
  await canvas(400, 600, 2).png().toFile(join(folder, 'b.png'));
  await canvas(500, 500, 3).png().toFile(join(folder, 'c.png'));
  await writeFile(join(folder, 'c.txt'), 'ink, cat');
  await writeFile(join(folder, 'bad.png'), 'nope');
  return folder;
}

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('renderer-dataset'));
  services = new Services({ mode: 'web', watch: false, appDataDir: join(dir, 'app') });
});
afterEach(async () => {
  services.dispose();
  await cleanup();
});

describe('ProjectState', () => {
  it('creates, lists recent, opens, records the base model, and explains failures', async () => {
    const projects = new ProjectState(services);
    expect(await projects.create(join(dir, 'P'), 'P')).toBe(true);
    expect(projects.recent.map((r) => r.name)).toEqual(['P']);
    expect(await projects.setBaseModel('/m/sd15.safetensors')).toBe(true);
    expect(projects.current?.baseModelPath).toBe('/m/sd15.safetensors');
    expect(await projects.open(join(dir, 'nothing-here'))).toBe(false);
    expect(projects.error?.code).toBe('NOT_FOUND');
    expect(await projects.open(join(dir, 'P'))).toBe(true);
    expect(projects.error).toBeNull();
  });
});

describe('DatasetState', () => {
  async function opened(): Promise<DatasetState> {
    const project = await services.createProject(join(dir, 'P'), 'P');
    const dataset = new DatasetState(services, project.dir);
    await dataset.refresh();
    return dataset;
  }

  it('imports with progress, keeps the report, and lists the result', async () => {
    const dataset = await opened();
    const seen: number[] = [];
    const off = dataset.subscribe(onEvent);
    const offSpy = onEvent('dataset.importProgress', (p) => seen.push(p.done));
    await dataset.importPaths([await inbox(), '  ']);
    off();
    offSpy();
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(dataset.importing).toBeNull();
    expect(dataset.report?.skipped.map((s) => s.file.split('/').pop())).toEqual(['bad.png']);
    expect(dataset.images.map((i) => i.rel)).toEqual(['a.png', 'b.png', 'c.png']);
    expect(dataset.tagCounts).toEqual([
      { tag: 'cat', count: 1 },
      { tag: 'ink', count: 1 },
    ]);
  });

  it('filters, selects, saves captions and bulk-edits with undo', async () => {
    const dataset = await opened();
    await dataset.importPaths([await inbox()]);
    dataset.setFilter({ kind: 'uncaptioned' });
    expect(dataset.visible.map((i) => i.rel)).toEqual(['a.png', 'b.png']);
    dataset.click('a.png', { shift: false, toggle: false });
    expect(dataset.active?.rel).toBe('a.png');
    await dataset.saveCaption('a.png', 'fox, snow');
    expect(await readFile(join(dir, 'P', 'dataset', 'a.txt'), 'utf8')).toBe('fox, snow');
    expect(dataset.visible.map((i) => i.rel)).toEqual(['b.png']);
    dataset.setFilter({ kind: 'all' });
    dataset.selectAllVisible();
    await dataset.bulk({ kind: 'prependTrigger', trigger: 'mystyle' });
    expect(dataset.images.map((i) => i.tags[0])).toEqual(['mystyle', 'mystyle', 'mystyle']);
    expect(dataset.undoDepth).toBe(1);
    await dataset.undo();
    expect(dataset.images.map((i) => i.caption)).toEqual(['fox, snow', '', 'ink, cat']);
    await dataset.undo();
    expect(dataset.error?.message).toMatch(/no tag edit left/);
  });

  it('uploads dropped files (web mode) and imports them, reporting unreadable drops', async () => {
    const dataset = await opened();
    const folder = await inbox();
    const files = [
      new File([await readFile(join(folder, 'c.png'))], 'c.png'),
      new File([await readFile(join(folder, 'c.txt'))], 'c.txt'),
    ];
    // The same path the web server's upload route takes: bytes → core staging → importImages.
    const upload = async (project: string, batch: string, file: File): Promise<string> => {
      if (file.name === 'folder') throw new Error('a folder has no bytes');
      const bytes = new Uint8Array(await file.arrayBuffer());
      return services.stageUpload(
        project,
        batch,
        file.name,
        (async function* () {
          yield bytes;
        })(),
      );
    };
    await dataset.uploadAndImport([...files, new File([], 'folder')], upload);
    expect(dataset.images.map((i) => [i.rel, i.caption])).toEqual([['c.png', 'ink, cat']]);
    expect(dataset.report?.skipped).toEqual([
      { file: 'folder', reason: 'upload failed: a folder has no bytes' },
    ]);
  });

  it('re-lists when the folder changes on disk', async () => {
    const watching = new Services({ mode: 'web' });
    try {
      const project = await watching.createProject(join(dir, 'W'), 'W');
      const dataset = new DatasetState(watching, project.dir);
      const off = dataset.subscribe((name, listener) =>
        watching.events.subscribe((n, payload) => {
          if ((n as EventName) === name) listener(payload as never);
        }),
      );
      await dataset.refresh();
      await canvas(300, 300, 9).png().toFile(join(project.datasetDir, 'new.png'));
      await expect.poll(() => dataset.images.map((i) => i.rel), { timeout: 5000 }).toEqual(['new.png']);
      off();
    } finally {
      watching.dispose();
    }
  });
});
