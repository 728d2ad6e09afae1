// The Style gallery state over a real Services instance, the tiny SD1 checkpoint and the forked worker: "try a
// prompt" renders at the size chosen, a failure lands next to Render in plain words, and comparisons refuse
// bad strengths before asking the worker.
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Services } from '../../../../src-main/core/services';
import { GalleryState } from '../../../../src-renderer/lib/state/gallery.svelte';
import { makeTinyCheckpoints } from '../../../../scripts/make-tiny-checkpoints';
import { tempDir } from '../../../dataset/make-images';
import { BPE_PATH } from '../../../fixtures/tokenizer';

let dir: string;
let cleanup: () => Promise<void>;
let services: Services;
let tinySd1: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('renderer-gallery'));
  tinySd1 = (await makeTinyCheckpoints(join(dir, 'models')))['tiny-sd1'];
  const cacheDir = join(dir, 'cache');
  await mkdir(cacheDir);
  await copyFile(BPE_PATH, join(cacheDir, 'bpe_simple_vocab_16e6.txt.gz'));
  services = new Services({ mode: 'web', watch: false, cacheDir });
  await services.createProject(join(dir, 'Ink'), 'Ink');
}, 60_000);
afterAll(async () => {
  services.dispose();
  await cleanup();
});

describe('GalleryState', () => {
  it('renders "try a prompt" at the width and height chosen', async () => {
    const gallery = new GalleryState(services);
    Object.assign(gallery.request, {
      modelPath: tinySd1,
      prompt: 'ink, a cat',
      steps: 2,
      width: 64,
      height: 48,
    });
    await gallery.tryPrompt();
    expect(gallery.renderProblem).toBeNull();
    const meta = await sharp(await readFile(gallery.base!.path)).metadata();
    expect([meta.width, meta.height]).toEqual([64, 48]);
    expect(gallery.base!.parameters).toMatch(/Size: 64x48/);
    expect(gallery.adapted).toBeNull(); // no adapter chosen: the base image only
  }, 60_000);

  it('explains a failed render in a sentence, keeping the raw words for Details', async () => {
    const gallery = new GalleryState(services);
    const gone = join(dir, 'models', 'gone.safetensors');
    Object.assign(gallery.request, {
      modelPath: gone,
      prompt: 'ink, a cat',
      steps: 2,
      width: 64,
      height: 64,
    });
    await gallery.tryPrompt();
    expect(gallery.renderProblem).toEqual({
      summary: 'A file is missing.',
      advice: expect.stringMatching(/base model and adapter paths/),
      detail: `There is no file or folder at ${gone}.`,
    });
    expect(gallery.busy).toBe(false);
  });

  it('refuses bad strengths and a run without adapters before rendering anything', async () => {
    const gallery = new GalleryState(services);
    gallery.runDir = join(dir, 'Ink', 'runs', 'none');
    gallery.comparePrompts = 'ink, a cat';
    gallery.strengths = '0.5, lots';
    await gallery.compare('strengths');
    expect(gallery.compareProblem?.summary).toBe('"lots" is not a strength from -4 to 4');
    gallery.strengths = '1';
    await gallery.compare('strengths');
    expect(gallery.compareProblem?.summary).toBe('This run has saved no adapter yet.');
    expect(gallery.comparisons).toEqual([]);
  });
});
