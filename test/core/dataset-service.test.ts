// Projects and datasets through Services over real files: sharp-made images, a corrupt one, captions on
// disk, bulk tag edits with undo, the thumbnail path guard, and watch events for edits made outside.
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DatasetChanged, ImportProgress } from '../../src-main/api/contract';
import { codeOf } from '../../src-main/api/errors';
import { Services } from '../../src-main/core/services';
import { canvas, tempDir } from '../dataset/make-images';

let dir: string;
let cleanup: () => Promise<void>;
let services: Services;
let project: string;

async function makeInbox(): Promise<string> {
  const inbox = join(dir, 'inbox');
  await mkdir(inbox, { recursive: true });
  await canvas(768, 512, 1).png().toFile(join(inbox, 'wide.png'));
  await canvas(512, 768, 2).jpeg().toFile(join(inbox, 'tall.jpg'));
  await writeFile(join(inbox, 'tall.txt'), 'girl, red hat');
  await writeFile(join(inbox, 'broken.png'), 'not an image at all');
  return inbox;
}

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('dataset-service'));
  services = new Services({ mode: 'cli', appDataDir: join(dir, 'app'), watch: false });
  project = (await services.createProject(join(dir, 'Proj'), 'Proj')).dir;
});
afterEach(async () => {
  services.dispose();
  await cleanup();
});

describe('projects through Services', () => {
  it('remembers created and opened projects, newest first, and forgets vanished folders', async () => {
    const other = await services.createProject(join(dir, 'Other'), 'Other');
    await services.openProject(project);
    expect((await services.listRecentProjects()).map((r) => r.name)).toEqual(['Proj', 'Other']);
    await services.updateProject(other.dir, { name: 'Renamed' });
    await rm(project, { recursive: true });
    expect((await services.listRecentProjects()).map((r) => r.name)).toEqual(['Renamed']);
  });

  it('refuses dataset calls for a project that is not open', async () => {
    const closed = new Services({ mode: 'cli', watch: false });
    await expect(closed.listDataset(project).catch(codeOf)).resolves.toBe('NOT_FOUND');
  });
});

describe('dataset through Services', () => {
  it('imports with progress events and a skipped report, then lists size, bucket and crop', async () => {
    const progress: ImportProgress[] = [];
    services.events.subscribe((name, payload) => {
      if (name === 'dataset.importProgress') progress.push(payload as ImportProgress);
    });
    const summary = await services.importImages(project, [await makeInbox()]);
    expect(summary.imported.sort()).toEqual(['tall.jpg', 'wide.png']);
    expect(summary.skipped).toEqual([
      { file: expect.stringMatching(/broken\.png$/), reason: expect.any(String) },
    ]);
    expect(progress.at(-1)).toMatchObject({ project, done: 3, total: 3 });
    const { images, undoDepth } = await services.listDataset(project);
    expect(undoDepth).toBe(0);
    const wide = images.find((i) => i.rel === 'wide.png');
    expect(wide).toMatchObject({ width: 768, height: 512, caption: '', tags: [], problem: null, repeats: 1 });
    expect(wide?.bucket).toEqual({ width: 640, height: 384 });
    // The bucket is wider than the image: full width kept, top and bottom trimmed evenly.
    expect(wide?.crop).toEqual({ left: 0, top: 25, width: 768, height: 460 });
    expect(images.find((i) => i.rel === 'tall.jpg')?.tags).toEqual(['girl', 'red hat']);
  });

  it('lists an unreadable file dropped straight into dataset/ with its problem', async () => {
    await writeFile(join(dir, 'Proj', 'dataset', 'junk.png'), 'junk');
    const { images } = await services.listDataset(project);
    expect(images).toEqual([expect.objectContaining({ rel: 'junk.png', bucket: null, hash: '' })]);
    expect(images[0].problem).toBeTruthy();
  });

  it('writes captions atomically and edits tags in bulk with undo', async () => {
    await services.importImages(project, [await makeInbox()]);
    await services.writeCaption(project, 'wide.png', 'sea, boat');
    expect(await readFile(join(project, 'dataset', 'wide.txt'), 'utf8')).toBe('sea, boat');
    const edit = await services.editTags(project, ['wide.png', 'tall.jpg'], {
      kind: 'prependTrigger',
      trigger: 'mystyle',
    });
    expect(edit).toEqual({ changed: ['wide.png', 'tall.jpg'], undoDepth: 1 });
    expect(await services.tagFrequency(project)).toEqual([
      { tag: 'mystyle', count: 2 },
      { tag: 'boat', count: 1 },
      { tag: 'girl', count: 1 },
      { tag: 'red hat', count: 1 },
      { tag: 'sea', count: 1 },
    ]);
    expect(await services.undoTagEdit(project)).toEqual({ restored: ['wide.png', 'tall.jpg'], undoDepth: 0 });
    expect(await readFile(join(project, 'dataset', 'tall.txt'), 'utf8')).toBe('girl, red hat');
    await expect(services.undoTagEdit(project).catch(codeOf)).resolves.toBe('NOT_FOUND');
  });

  it('refuses paths that leave the dataset and bad patterns, before touching files', async () => {
    await expect(services.writeCaption(project, '../project.json', 'x').catch(codeOf)).resolves.toBe(
      'INVALID_ARGUMENT',
    );
    await expect(
      services
        .editTags(project, ['a.png'], { kind: 'findReplace', find: '(', replace: '', regex: true })
        .catch(codeOf),
    ).resolves.toBe('INVALID_ARGUMENT');
  });

  it('makes thumbnails only for images inside an open dataset', async () => {
    await services.importImages(project, [await makeInbox()]);
    const thumb = await services.thumbnailFile(join(project, 'dataset', 'wide.png'));
    expect(thumb).toMatch(/cache\/thumbs\/[0-9a-f]+\.webp$/);
    expect((await stat(thumb)).size).toBeGreaterThan(0);
    const refused = [
      join(dir, 'inbox', 'wide.png'),
      join(project, 'dataset', '..', 'project.json'),
      join(project, 'dataset', '..', '..', 'inbox', 'wide.png'),
      join(project, 'dataset', 'wide.txt'),
    ];
    for (const path of refused)
      await expect(services.thumbnailFile(path).catch(codeOf)).resolves.toBe('FORBIDDEN');
  });
});

describe('watching', () => {
  it('reports a caption edited outside the app as dataset.changed', async () => {
    const watching = new Services({ mode: 'cli', watch: true });
    try {
      await watching.openProject(project);
      await services.importImages(project, [await makeInbox()]);
      const seen = new Promise<DatasetChanged>((resolve) =>
        watching.events.subscribe((name, payload) => {
          const changes = payload as DatasetChanged;
          if (name === 'dataset.changed' && changes.captionChanged.includes('wide.txt')) resolve(changes);
        }),
      );
      await writeFile(join(project, 'dataset', 'wide.txt'), 'edited elsewhere');
      expect((await seen).project).toBe(project);
    } finally {
      watching.dispose();
    }
  });
});
