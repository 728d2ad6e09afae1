// "Caption images" through Services and the real trainer worker process, with the project's own tiny WD
// tagger (real input signature, exact arithmetic) served by a local hub: nothing is downloaded until asked, a
// clear error offline, download with progress, a preview that writes nothing, a run that writes kohya
// sidecars per mode with the prefix first, every tagger option shown by its effect, cancel, and one undo.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptionDownloadProgress, CaptionRunProgress } from '../../src-main/api/contract';
import { codeOf } from '../../src-main/api/errors';
import { catalogueEntry } from '../../src-main/caption/catalogue';
import { readCaptionFile } from '../../src-main/dataset/captions';
import { CaptioningService, type CaptioningDeps } from '../../src-main/core/captioning';
import { DatasetService } from '../../src-main/core/dataset-service';
import { readProjectFiles } from '../../src-main/core/projects';
import { Services } from '../../src-main/core/services';
import { forkLauncher } from '../../src-main/jobs/worker-host';
import { tempDir } from '../dataset/make-images';
import { startHubServer, type HubServer } from '../fixtures/hub-server';
import { makeTinyFlorence2 } from '../fixtures/tiny-florence2';
import { makeTinyWdTagger } from '../fixtures/tiny-wd-tagger';

// Columns: general sensitive questionable explicit 1girl long_hair red_theme blue_theme ^_^ hatsune_miku.
// Rows weigh the B, G, R channel means: red images score red_theme, blue ones blue_theme, green ones the
// character; 1girl sits at 0.5 and ^_^ at 0.73 on every image; the rating is always "general".
const HEAD = [
  [0, 0, 0, 0, 0, 0, -10, 10, 0, 0],
  [0, 0, 0, 0, 0, 0, 0, 0, 0, 10],
  [0, 0, 0, 0, 0, 0, 10, -10, 0, 0],
];
const BIAS = [2, -2, -2, -2, 0, -3, -1, -1, 1, -5];
const MODEL = 'wd-swinv2-v3';

let dir: string;
let cleanup: () => Promise<void>;
let hub: HubServer;
let services: Services;
let project: string;
let data: string;
let taggerDir: string;
const progress: CaptionRunProgress[] = [];
const downloads: CaptionDownloadProgress[] = [];

const solid = (path: string, r: number, g: number, b: number) =>
  sharp({ create: { width: 320, height: 256, channels: 3, background: { r, g, b } } })
    .png()
    .toFile(path);
const txt = (name: string) => readCaptionFile(join(data, `${name}.txt`));

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('services-caption'));
  taggerDir = await makeTinyWdTagger(join(dir, 'my-tagger'), { head: HEAD, bias: BIAS });
  const entry = catalogueEntry(MODEL);
  hub = await startHubServer(
    await Promise.all(
      ['model.onnx', 'selected_tags.csv'].map(async (path) => ({
        repo: entry.repo,
        path,
        bytes: await readFile(join(taggerDir, path)),
      })),
    ),
  );
  services = new Services({
    mode: 'cli',
    watch: false,
    appDataDir: join(dir, 'app'),
    cacheDir: join(dir, 'cache'),
    modelHub: hub.url,
  });
  services.events.subscribe((name, payload) => {
    if (name === 'caption.progress') progress.push(payload as CaptionRunProgress);
    if (name === 'caption.download') downloads.push(payload as CaptionDownloadProgress);
  });
  const inbox = join(dir, 'inbox');
  await mkdir(inbox);
  await solid(join(inbox, 'red.png'), 255, 0, 0);
  await solid(join(inbox, 'blue.png'), 0, 0, 255);
  await solid(join(inbox, 'green.png'), 0, 255, 0);
  await writeFile(join(inbox, 'green.txt'), 'my own words');
  ({ dir: project, datasetDir: data } = await services.createProject(join(dir, 'P'), 'P'));
  await services.importImages(project, [inbox]);
});
afterAll(async () => {
  services?.dispose();
  await hub?.close();
  await cleanup?.();
});

describe('caption models on demand', () => {
  it('lists the catalogue with nothing downloaded, and refuses to caption with a model not on disk', async () => {
    const models = await services.listCaptionModels();
    const wd = models.find((m) => m.id === MODEL)!;
    expect(wd).toMatchObject({ kind: 'wd-tagger', installed: false, licence: 'Apache-2.0' });
    expect(wd.folder).toBe(join(dir, 'cache', 'caption-models', MODEL));
    const err = await services
      .captionImages(project, { kind: 'all' }, { modelId: MODEL, mode: 'replace' })
      .catch((e: unknown) => e);
    expect(codeOf(err)).toBe('NOT_FOUND');
    expect(String(err)).toMatch(/is not downloaded/);
    expect(hub.log).toEqual([]); // nothing fetched without the user asking
    await expect(
      services.captionImages(project, { kind: 'all' }, { modelId: 'nope', mode: 'replace' }).catch(codeOf),
    ).resolves.toBe('NOT_FOUND');
  });

  it('says clearly when the hub cannot be reached', async () => {
    const offline = new Services({
      mode: 'cli',
      watch: false,
      cacheDir: join(dir, 'cache-off'),
      modelHub: 'http://127.0.0.1:9',
    });
    const err = await offline.downloadCaptionModel(MODEL).catch((e: unknown) => e);
    offline.dispose();
    expect(codeOf(err)).toBe('NOT_FOUND');
    expect(String(err)).toMatch(/127\.0\.0\.1:9/);
  });

  it('stops a download when cancelled; asking again fetches the model', async () => {
    const other = new Services({
      mode: 'cli',
      watch: false,
      cacheDir: join(dir, 'cache-2'),
      modelHub: hub.url,
    });
    const download = other.downloadCaptionModel(MODEL);
    await other.cancelCaptionDownload(MODEL);
    await expect(download).rejects.toThrow(/was cancelled; downloading again resumes it/);
    expect((await other.listCaptionModels()).find((m) => m.id === MODEL)?.installed).toBe(false);
    expect((await other.downloadCaptionModel(MODEL)).installed).toBe(true);
    other.dispose();
  });

  it('downloads into the model cache with progress when asked', async () => {
    const info = await services.downloadCaptionModel(MODEL);
    expect(info.installed).toBe(true);
    expect(downloads.at(-1)?.status).toBe('done');
    expect(downloads.some((d) => d.status === 'downloading' && d.done > 0)).toBe(true);
    expect((await services.listCaptionModels()).find((m) => m.id === MODEL)?.installed).toBe(true);
  });
});

describe('captioning a dataset in the worker', () => {
  it('previews a few images without writing anything', async () => {
    const items = await services.previewCaptions(
      project,
      { kind: 'all' },
      { modelId: MODEL, mode: 'append' },
      2,
    );
    expect(items).toHaveLength(2);
    expect(items.map((i) => i.rel)).toEqual(['blue.png', 'green.png']);
    expect(items[1]).toEqual({
      rel: 'green.png',
      before: 'my own words',
      after: 'my own words, hatsune miku, ^_^, 1girl',
    });
    expect(await txt('blue')).toBeNull();
  });

  it('runs Florence-2 from a folder the user has: sentence captions whose task and beams change them', async () => {
    const florence = (await makeTinyFlorence2(join(dir, 'my-florence'))).dir;
    const base = { modelId: 'florence2-base', modelDir: florence, mode: 'replace' } as const;
    const preview = (extra: object) =>
      services
        .previewCaptions(project, { kind: 'all' }, { ...base, ...extra }, 2)
        .then((items) => items.map((i) => i.after));
    const short = await preview({ prefix: 'inkstyle' });
    expect(short.every((c) => c.startsWith('inkstyle, ') && c.length > 'inkstyle, '.length)).toBe(true);
    expect(await preview({ prefix: 'inkstyle', task: 'more-detailed' })).not.toEqual(short);
    expect(await preview({ prefix: 'inkstyle', beams: 1 })).not.toEqual(
      await preview({ prefix: 'inkstyle', beams: 3 }),
    );
    expect(await txt('blue')).toBeNull(); // previews write nothing
  });

  it('fills only empty captions with the prefix first, reports progress with an ETA, and undoes as one step', async () => {
    progress.length = 0;
    const depth = (await services.listDataset(project)).undoDepth;
    const result = await services.captionImages(
      project,
      { kind: 'all' },
      { modelId: MODEL, mode: 'fill-empty', prefix: 'inkstyle' },
    );
    expect(result).toMatchObject({
      changed: ['blue.png', 'red.png'],
      captioned: 2,
      total: 2,
      cancelled: false,
    });
    expect(await txt('red')).toBe('inkstyle, red theme, ^_^, 1girl');
    expect(await txt('blue')).toBe('inkstyle, blue theme, ^_^, 1girl');
    expect(await txt('green')).toBe('my own words');
    expect(progress.at(-1)).toMatchObject({ project, done: 2, total: 2, etaSeconds: 0 });
    expect(progress[0]).toMatchObject({ done: 0, etaSeconds: null });
    expect(result.undoDepth).toBe(depth + 1);

    expect(await services.undoTagEdit(project)).toEqual({
      restored: ['blue.png', 'red.png'],
      undoDepth: depth,
    });
    expect(await txt('red')).toBeNull();
    expect(await txt('blue')).toBeNull();
  });

  it('applies the tagger options: thresholds, rating, exclusions; replace and append modes', async () => {
    const base = { modelId: MODEL, modelDir: taggerDir } as const; // a folder the user already has
    await services.captionImages(
      project,
      { kind: 'selected', rels: ['green.png', 'red.png'] },
      {
        ...base,
        mode: 'replace',
        generalThreshold: 0.6,
        characterThreshold: 0.995, // green scores 0.9933 for the character
        rating: true,
        exclude: ['red theme'],
      },
    );
    expect(await txt('red')).toBe('^_^, general');
    expect(await txt('green')).toBe('^_^, general');
    await services.captionImages(
      project,
      { kind: 'selected', rels: ['green.png'] },
      { ...base, mode: 'append' },
    );
    expect(await txt('green')).toBe('^_^, general, hatsune miku, 1girl');
    await services.undoTagEdit(project);
    await services.undoTagEdit(project);
    expect(await txt('green')).toBe('my own words');
  });

  it('stops when cancelled, keeping what was written as one undo step', async () => {
    const many = join(data, '1_many'); // a kohya repeat folder
    await mkdir(many);
    // Many small images so the worker is still busy when the first batch's progress asks it to stop.
    const png = await sharp({ create: { width: 1024, height: 1024, channels: 3, background: '#f00' } })
      .png()
      .toBuffer();
    for (let i = 0; i < 64; i++) await writeFile(join(many, `m${String(i).padStart(3, '0')}.png`), png);
    progress.length = 0;
    const off = services.events.subscribe((name, payload) => {
      if (name === 'caption.progress' && (payload as CaptionRunProgress).done > 0)
        void services.cancelCaptioning(project);
    });
    const result = await services.captionImages(
      project,
      { kind: 'uncaptioned' },
      { modelId: MODEL, mode: 'fill-empty' },
    );
    off();
    expect(result.cancelled).toBe(true);
    expect(result.captioned).toBeGreaterThan(0);
    expect(result.captioned).toBeLessThan(result.total);
    expect(result.changed).toHaveLength(result.captioned);
    const { restored } = await services.undoTagEdit(project);
    expect(restored.sort()).toEqual([...result.changed].sort());
    expect(await readCaptionFile(join(many, 'm063.txt'))).toBeNull();
  });

  /** A CaptioningService over its own DatasetService, as Services builds it, with `deps` replaced. */
  async function captioningWith(deps: Partial<CaptioningDeps>) {
    const datasets = new DatasetService({ importProgress: () => {}, changed: () => {}, warning: () => {} });
    await datasets.open(await readProjectFiles(project), false);
    const captioning = new CaptioningService({
      launch: forkLauncher(),
      datasets,
      cacheDir: join(dir, 'cache'),
      threads: async () => ({}),
      deviceBusy: () => null,
      progress: () => {},
      download: () => {},
      ...deps,
    });
    return { captioning, datasets };
  }

  it('refuses to start while a training job holds the device', async () => {
    const { captioning, datasets } = await captioningWith({ deviceBusy: () => 'ink' });
    await expect(
      captioning.run(project, { kind: 'all' }, { modelId: MODEL, mode: 'replace' }),
    ).rejects.toThrow(
      'Training "ink" is using the device; caption when it has finished, or cancel it first.',
    );
    expect(captioning.active).toBe(false);
    datasets.close();
  });

  it('keeps the batches a crashed worker reported as one undo step, and says why it failed', async () => {
    // A worker that captions the first batch, then dies (as a driver crash would).
    const entry = join(dir, 'dies-after-one.mjs');
    await writeFile(
      entry,
      `process.on('message', (m) => {
        if (m.type !== 'caption') return;
        const paths = m.spec.imagePaths.slice(0, m.spec.batchSize);
        process.send({ type: 'captions', paths, captions: paths.map(() => 'first batch') }, () => {
          process.stderr.write('GPU lost\\n');
          process.exit(9);
        });
      });
      process.send({ type: 'ready' });`,
    );
    const { captioning, datasets } = await captioningWith({
      launch: forkLauncher({ path: entry, execArgv: [] }),
    });
    const before = datasets.undoDepth(project);
    await expect(
      captioning.run(project, { kind: 'all' }, { modelId: MODEL, mode: 'replace' }),
    ).rejects.toThrow(/Captioning failed: the worker exited with code 9 \(last output: GPU lost\)/);
    expect(datasets.undoDepth(project)).toBe(before + 1);
    const { restored } = await datasets.undo(project);
    expect(restored).toHaveLength(8);
    for (const rel of restored)
      expect(await readCaptionFile(join(data, rel.replace(/\.png$/, '.txt')))).not.toBe('first batch');
    datasets.close();
  });

  it('refuses a second run on the same project while one is going', async () => {
    const first = services.previewCaptions(project, { kind: 'all' }, { modelId: MODEL, mode: 'replace' });
    const second = services.captionImages(project, { kind: 'all' }, { modelId: MODEL, mode: 'replace' });
    await expect(second).rejects.toThrow(/already being captioned/);
    await first;
  });
});
