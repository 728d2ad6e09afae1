// The Caption images panel's state over a real Services instance, real files and the real worker: formatting
// helpers, input mistakes caught before any call, and a run with a folder the user already has that updates
// the Dataset screen's listing and its one Undo.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptionRunProgress, EventName, TesseraEvents } from '../../../../src-main/api/contract';
import { Services } from '../../../../src-main/core/services';
import {
  CaptioningState,
  formatBytes,
  formatEta,
  splitList,
} from '../../../../src-renderer/lib/state/captioning.svelte';
import { DatasetState } from '../../../../src-renderer/lib/state/dataset.svelte';
import { canvas, tempDir } from '../../../dataset/make-images';
import { makeTinyWdTagger } from '../../../fixtures/tiny-wd-tagger';

let dir: string;
let cleanup: () => Promise<void>;
let services: Services;

function onEvent<E extends EventName>(name: E, listener: (payload: TesseraEvents[E]) => void): () => void {
  return services.events.subscribe((n, payload) => {
    if ((n as EventName) === name) listener(payload as TesseraEvents[E]);
  });
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('renderer-captioning'));
  services = new Services({ mode: 'web', watch: false, cacheDir: join(dir, 'cache') });
});
afterAll(async () => {
  services.dispose();
  await cleanup();
});

describe('captioning panel helpers', () => {
  it('formats sizes and time left, and splits typed tag lists', () => {
    expect(formatBytes(12_500_000)).toBe('12.5 MB');
    expect(formatBytes(1_400_000_000)).toBe('1.4 GB');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(0)).toBe('');
    expect(formatEta(null)).toBe('estimating time left…');
    expect(formatEta(42)).toBe('42 s left');
    expect(formatEta(80)).toBe('1 min 20 s left');
    expect(splitList(' simple background, ,white background ')).toEqual([
      'simple background',
      'white background',
    ]);
  });
});

describe('CaptioningState', () => {
  it('catches input mistakes, then captions the selection from a folder the user has, with one undo', async () => {
    const inbox = join(dir, 'inbox');
    await mkdir(inbox);
    await canvas(320, 256, 1).png().toFile(join(inbox, 'a.png'));
    await canvas(320, 256, 2).png().toFile(join(inbox, 'b.png'));
    const project = await services.createProject(join(dir, 'P'), 'P');
    await services.importImages(project.dir, [inbox]);
    const dataset = new DatasetState(services, project.dir);
    await dataset.refresh();
    const captions = new CaptioningState(services, dataset);
    const seen: CaptionRunProgress[] = [];
    const off = captions.subscribe((name, listener) =>
      onEvent(name, (payload) => {
        if (name === 'caption.progress') seen.push(payload as CaptionRunProgress);
        listener(payload as never);
      }),
    );

    await captions.load();
    expect(captions.modelId).toBe('wd-swinv2-v3');
    expect(captions.ready).toBe(false); // not downloaded, no folder given
    captions.modelDir = await makeTinyWdTagger(join(dir, 'my-tagger'));
    expect(captions.ready).toBe(true);

    captions.generalThreshold = '1.5';
    await captions.run();
    expect(captions.error?.message).toMatch(/Thresholds are numbers from 0 to 1, not "1.5"/);
    captions.generalThreshold = '0';
    captions.scopeKind = 'selected';
    await captions.run();
    expect(captions.error?.message).toMatch(/Select some images first/);

    dataset.click('b.png', { shift: false, toggle: false });
    captions.mode = 'replace';
    captions.prefix = 'inkstyle';
    await captions.run();
    off();
    expect(captions.error).toBeNull();
    expect(captions.result).toMatchObject({ changed: ['b.png'], captioned: 1, total: 1, cancelled: false });
    expect(seen.at(-1)).toMatchObject({ done: 1, total: 1 });
    const b = dataset.images.find((i) => i.rel === 'b.png')!;
    expect(b.tags[0]).toBe('inkstyle');
    expect(b.tags.length).toBeGreaterThan(1); // threshold 0 keeps every general tag
    expect(dataset.images.find((i) => i.rel === 'a.png')!.caption).toBe('');
    expect(dataset.undoDepth).toBe(1);
    await dataset.undo();
    expect(dataset.images.find((i) => i.rel === 'b.png')!.caption).toBe('');
  });
});
