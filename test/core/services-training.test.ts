// The training methods of Services on real parts: a project with tiny images, the tiny-sd1 checkpoint, the
// forked worker running the real job, events as the UI receives them, the run-image guard, generate, export.
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName, TesseraEvents } from '../../src-main/api/contract';
import type { JobInfo, TrainRequest } from '../../src-main/api/training';
import { Services } from '../../src-main/core/services';
import { readSafetensorsHeader } from '../../src-main/formats/safetensors';
import { loadLoRA } from '../../src-main/lora/load';
import { makeTinyCheckpoints } from '../../scripts/make-tiny-checkpoints';
import { BPE_PATH } from '../fixtures/tokenizer';

let dir = '';
let project = '';
let services: Services;
let paths: Record<string, string> = {};
const events: { name: EventName; payload: TesseraEvents[EventName] }[] = [];
let request: TrainRequest;
let finished: JobInfo;

const named = <E extends EventName>(name: E): TesseraEvents[E][] =>
  events.filter((e) => e.name === name).map((e) => e.payload as TesseraEvents[E]);

async function until(done: () => boolean, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-services-training-'));
  paths = await makeTinyCheckpoints(join(dir, 'models'));
  const cacheDir = join(dir, 'cache');
  await mkdir(cacheDir);
  await copyFile(BPE_PATH, join(cacheDir, 'bpe_simple_vocab_16e6.txt.gz'));
  services = new Services({ mode: 'web', watch: false, cacheDir });
  services.events.subscribe((name, payload) => events.push({ name, payload }));
  const info = await services.createProject(join(dir, 'Ink'), 'Ink');
  project = info.dir;
  for (const [name, color] of [
    ['a', '#335577'],
    ['b', '#aa4411'],
  ] as const) {
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: color } })
      .png()
      .toBuffer();
    await writeFile(join(info.datasetDir, `${name}.png`), png);
    await writeFile(join(info.datasetDir, `${name}.txt`), `ink style, ${name}`);
  }
  request = {
    modelPath: paths['tiny-sd1'],
    datasetDir: info.datasetDir,
    name: 'ink',
    runsDir: join(project, 'runs'),
    config: { resolution: 64, maxSteps: 4, saveEverySteps: 2, sampleEverySteps: 2 },
    samplePrompts: ['ink style, a cat --w 32 --h 32 --s 2 --d 7'],
  };
});
afterAll(async () => {
  services.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('Services: training', () => {
  it('offers options and plans a request', async () => {
    const { presets, defaults } = await services.getTrainingOptions();
    expect(presets.length).toBeGreaterThan(0);
    expect(defaults.rank).toBeGreaterThan(0);
    const plan = await services.planTraining(request);
    expect(plan).toMatchObject({ problems: [], family: 'sd1', images: 2, captioned: 2, totalSteps: 4 });
  });

  it('trains in a worker and reports job, progress and sample events', async () => {
    await services.setComputeThreads(1); // the app's thread setting reaches the run's spec
    const job = await services.startTraining(request);
    expect(job.runDir.startsWith(join(project, 'runs', 'ink-'))).toBe(true);
    await until(() => named('train.job').some((j) => j.id === job.id && j.status === 'finished'));
    finished = (await services.listJobs()).find((j) => j.id === job.id)!;
    expect(finished.outcome).toMatchObject({ status: 'finished', step: 4, totalSteps: 4 });
    const progress = named('train.progress').filter((p) => p.jobId === job.id);
    expect(progress.map((p) => p.progress.step)).toEqual([1, 2, 3, 4]);
    const samples = named('train.sample').map((s) => s.sample);
    expect(samples.map((s) => [s.step, s.index])).toEqual([
      [2, 0],
      [4, 0],
    ]);
    expect(await services.listSamples(job.runDir)).toEqual(samples);
    // The dashboard's live preview: 2 sampling steps per preview, 2 previews, latents of 32 px over the tiny VAE's 2× downscale.
    const frames = named('sample.preview');
    expect(frames.map((f) => [f.step, f.steps, f.width, f.family])).toEqual([
      [0, 2, 16, 'sd1'],
      [1, 2, 16, 'sd1'],
      [0, 2, 16, 'sd1'],
      [1, 2, 16, 'sd1'],
    ]);
    expect(Buffer.from(frames[0]!.latents, 'base64').byteLength).toBe(4 * 16 * 16 * 4);
    expect((await services.getRunMetrics(job.runDir)).map((m) => m.step)).toEqual([1, 2, 3, 4]);
    expect(named('app.log').some((l) => l.message.startsWith('ink: Training on'))).toBe(true);
    expect(JSON.parse(await readFile(join(job.runDir, 'job.json'), 'utf8')).threads).toBe(1);
    await services.setComputeThreads(null);
  }, 180_000);

  it('serves run PNGs from open projects only, and never through a link out of runs/', async () => {
    const [sample] = await services.listSamples(finished.runDir);
    const served = await services.imageFile(sample!.path);
    expect(served).toEqual({ file: sample!.path, contentType: 'image/png' });
    await expect(services.imageFile(join(finished.runDir, 'job.json'))).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    const outside = join(dir, 'outside.png');
    await copyFile(sample!.path, outside);
    await expect(services.imageFile(outside)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await symlink(outside, join(project, 'runs', 'link.png'));
    await expect(services.imageFile(join(project, 'runs', 'link.png'))).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(services.imageFile(join(project, 'runs', 'gone.png'))).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('generates an image in a worker with live previews, into the project runs folder', async () => {
    const before = named('sample.preview').length;
    const image = await services.generateImage({
      modelPath: paths['tiny-sd1'],
      lora: { path: finished.outcome!.adapterPath, strength: 0.8 },
      prompt: 'ink style, a boat',
      seed: 3,
      steps: 3,
      cfg: 5,
      sampler: 'euler',
      width: 32,
      height: 32,
    });
    expect(image.path.startsWith(join(project, 'runs', 'generated') + '/')).toBe(true);
    expect(image.parameters).toMatch(/Steps: 3/);
    const meta = await sharp(await readFile(image.path)).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 32, 32]);
    const previews = named('sample.preview').slice(before);
    expect(previews.map((p) => p.step)).toEqual([0, 1, 2]);
    // tiny VAEs downscale by 2: 16×16 latents of 4 channels, f32.
    expect(previews[0]).toMatchObject({ steps: 3, width: 16, height: 16, family: 'sd1' });
    expect(Buffer.from(previews[0]!.latents, 'base64').byteLength).toBe(4 * 16 * 16 * 4);
    expect((await services.imageFile(image.path)).contentType).toBe('image/png');
  }, 120_000);

  it("lists the run's adapters and training's comparison, and renders a new comparison in a worker", async () => {
    // The project's runs: this one, not runs/generated (try-a-prompt images) nor a stray folder.
    await mkdir(join(project, 'runs', 'not-a-run'), { recursive: true });
    const runs = await services.listRuns(project);
    expect(runs.map((r) => [r.dir, r.adapters])).toEqual([[finished.runDir, 2]]);
    const adapters = await services.listRunAdapters(finished.runDir);
    expect(adapters.map((a) => [a.label, a.step])).toEqual([
      ['step 2', 2],
      ['final', null],
    ]);
    expect(adapters.at(-1)!.path).toBe(finished.outcome!.adapterPath);
    const [trained] = await services.listComparisons(finished.runDir);
    expect(trained!.columns.map((c) => c.label)).toEqual(['base', 'step 2', 'final ×0.5', 'final ×1']);
    expect(trained!.cells).toHaveLength(4);
    const final = adapters.at(-1)!.path;
    const made = await services.renderComparison({
      modelPath: paths['tiny-sd1'],
      runDir: finished.runDir,
      prompts: ['ink style, a boat --w 32 --h 32 --s 2', 'ink style, a tree --w 32 --h 32 --s 2 --d 9'],
      columns: [{ label: 'base' }, { label: '×1', lora: { path: final, strength: 1 } }],
      seed: 5,
    });
    expect(made.sheet.startsWith(join(finished.runDir, 'compare') + '/')).toBe(true);
    expect(made.cells.map((c) => [c.row, c.column, c.label])).toEqual([
      [0, 0, 'base'],
      [0, 1, '×1'],
      [1, 0, 'base'],
      [1, 1, '×1'],
    ]);
    const [base, adapted] = await Promise.all(made.cells.slice(0, 2).map((c) => readFile(c.path)));
    expect(base!.equals(adapted!)).toBe(false); // the trained adapter changes the image
    expect((await services.imageFile(made.cells[0]!.path)).contentType).toBe('image/png');
    expect((await services.listComparisons(finished.runDir))[0]).toEqual(made);
    await expect(
      services.renderComparison({ ...made, modelPath: paths['tiny-sd1'], runDir: dir, seed: 1 }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  }, 120_000);

  it('reports a generation failure in plain words', async () => {
    await expect(
      services.generateImage({
        modelPath: paths['tiny-sd1'],
        prompt: 'x',
        seed: 1,
        steps: 2,
        cfg: 1,
        sampler: 'euler',
        width: 33,
        height: 32,
        outPath: join(dir, 'odd.png'),
      }),
    ).rejects.toThrow(/must be a multiple of 2/);
  }, 60_000);

  it('exports the finished adapter as PEFT', async () => {
    const out = join(dir, 'exports', 'ink-peft.safetensors');
    await mkdir(join(dir, 'exports'));
    const exported = await services.exportAdapter({
      adapterPath: finished.outcome!.adapterPath,
      outPath: out,
      format: 'peft',
      precision: 'fp16',
      triggerWords: ['ink style'],
    });
    expect(exported.path).toBe(out);
    expect((await stat(out)).size).toBeGreaterThan(0);
    const { adapter } = await loadLoRA(out);
    expect(adapter.family).toMatch(/sd1$/);
    expect(adapter.modules.length).toBeGreaterThan(0);
    expect(exported.tensors).toBeGreaterThanOrEqual(adapter.modules.length * 2);
  });

  it("re-exports in kohya naming keeping the run's facts, with the user's author, description and cover", async () => {
    const out = join(dir, 'exports', 'ink-kohya.safetensors');
    const [cover] = await services.listSamples(finished.runDir);
    await services.exportAdapter({
      adapterPath: finished.outcome!.adapterPath,
      outPath: out,
      format: 'kohya',
      precision: 'fp16',
      title: 'Ink',
      author: 'A. Artist',
      description: 'Loose ink lines.',
      thumbnailPath: cover.path,
    });
    const m = (await readSafetensorsHeader(out)).metadata;
    expect(m).toMatchObject({
      ss_resolution: '(64, 64)', // the run's, not the family's 512
      'modelspec.resolution': '64x64',
      ss_steps: '4',
      'modelspec.title': 'Ink',
      'modelspec.author': 'A. Artist',
      'modelspec.description': 'Loose ink lines.',
      ss_output_name: 'ink-kohya',
    });
    const jpeg = Buffer.from(m['modelspec.thumbnail'].replace(/^data:image\/jpeg;base64,/, ''), 'base64');
    expect((await sharp(jpeg).metadata()).format).toBe('jpeg');
  });

  it('stops its workers on dispose: their run is reported crashed', async () => {
    const local = new Services({ mode: 'web', watch: false, cacheDir: join(dir, 'cache') });
    const seen: JobInfo[] = [];
    local.events.subscribe((name, payload) => {
      if (name === 'train.job') seen.push(payload as JobInfo);
    });
    const job = await local.startTraining({
      ...request,
      name: 'long',
      samplePrompts: [],
      config: { ...request.config, maxSteps: 500 },
    });
    await until(() => seen.some((j) => j.id === job.id && j.stage !== null));
    local.dispose();
    await until(() => seen.some((j) => j.id === job.id && j.status === 'crashed'), 30_000);
    expect(seen.at(-1)!.error).toMatch(/trainer process was killed \(SIGTERM\)/);
  }, 60_000);
});
