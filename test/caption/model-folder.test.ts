// Finding a model's files: a user folder used as is, the cache filled from the (local) hub only when the
// download is allowed, the sizes recorded on download checked on later runs.
import { mkdtemp, readFile, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogueEntry } from '../../src-main/caption/catalogue';
import {
  cachedModelDir,
  MANIFEST,
  missingFiles,
  resolveModelFolder,
} from '../../src-main/caption/model-folder';
import type { CaptionProgress } from '../../src-main/caption/types';
import { startHubServer, type HubServer } from '../fixtures/hub-server';
import { makeTinyWdTagger, selectedTagsCsv, TINY_TAGS, tinyWdTaggerModel } from '../fixtures/tiny-wd-tagger';

const entry = catalogueEntry('wd-swinv2-v3');
let hub: HubServer;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-models-'));
  hub = await startHubServer([
    { repo: entry.repo, path: 'model.onnx', bytes: tinyWdTaggerModel() },
    {
      repo: entry.repo,
      path: 'selected_tags.csv',
      bytes: new TextEncoder().encode(selectedTagsCsv(TINY_TAGS)),
    },
  ]);
});
afterAll(async () => {
  await hub.close();
  await rm(dir, { recursive: true, force: true });
});

describe('resolveModelFolder', () => {
  it('uses a folder the user has, and names what it lacks', async () => {
    const own = await makeTinyWdTagger(join(dir, 'mine'));
    expect(await resolveModelFolder(entry, { cacheDir: join(dir, 'cache'), modelDir: own })).toBe(own);
    await rm(join(own, 'selected_tags.csv'));
    await expect(resolveModelFolder(entry, { cacheDir: join(dir, 'cache'), modelDir: own })).rejects.toThrow(
      `${own} does not hold wd-swinv2-v3: selected_tags.csv missing or incomplete`,
    );
    expect(hub.log).toEqual([]);
  });

  it('downloads nothing unless allowed, and says how to allow it', async () => {
    const cacheDir = join(dir, 'cache-a');
    await expect(resolveModelFolder(entry, { cacheDir, hub: hub.url })).rejects.toThrow(
      /WD SwinV2 tagger v3 \(wd-swinv2-v3\) is not downloaded: model\.onnx, selected_tags\.csv missing in .*cache-a\/caption-models\/wd-swinv2-v3\. Allow the download \(tessera caption --download\)/,
    );
    expect(hub.log).toEqual([]);
  });

  it('downloads into the cache with progress, records the hashes, and later finds it without the network', async () => {
    const cacheDir = join(dir, 'cache-b');
    const progress: CaptionProgress[] = [];
    const folder = await resolveModelFolder(entry, {
      cacheDir,
      hub: hub.url,
      download: true,
      onProgress: (p) => progress.push(p),
    });
    expect(folder).toBe(cachedModelDir(cacheDir, entry.id));
    expect(progress.at(-1)).toMatchObject({ phase: 'download', item: 'selected_tags.csv' });
    expect(progress.at(-1)?.done).toBe(progress.at(-1)?.total);
    const manifest = JSON.parse(await readFile(join(folder, MANIFEST), 'utf8')) as Record<
      string,
      { verifiedBy: string; size: number }
    >;
    expect(manifest['model.onnx']).toMatchObject({ verifiedBy: 'hub', size: tinyWdTaggerModel().length });
    const requests = hub.log.length;
    expect(await resolveModelFolder(entry, { cacheDir, hub: hub.url, download: true })).toBe(folder);
    expect(hub.log.length).toBe(requests);
    // A file cut short later (disk trouble, a copy interrupted) counts as missing and is fetched again.
    await truncate(join(folder, 'model.onnx'), 10);
    expect((await missingFiles(entry, folder)).map((f) => f.path)).toEqual(['model.onnx']);
    await resolveModelFolder(entry, { cacheDir, hub: hub.url, download: true });
    expect(await missingFiles(entry, folder)).toEqual([]);
  });

  it('reports a bad download as such and keeps no file', async () => {
    const cacheDir = join(dir, 'cache-c');
    hub.faults.corrupt = new Set(['selected_tags.csv']);
    try {
      await expect(resolveModelFolder(entry, { cacheDir, hub: hub.url, download: true })).rejects.toThrow(
        /selected_tags\.csv: downloaded bytes have sha256/,
      );
    } finally {
      hub.faults.corrupt = undefined;
    }
    expect((await missingFiles(entry, cachedModelDir(cacheDir, entry.id))).map((f) => f.path)).toEqual([
      'selected_tags.csv',
    ]);
  });
});
