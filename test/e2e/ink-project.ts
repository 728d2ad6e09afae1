// A project folder the e2e screens open (project.json named "Ink" and `count` 64×64 images captioned
// "ink style, picture N" in its dataset/), and the web-mode server and services around it.
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Services } from '../../src-main/core/services';
import { startServer, type RunningServer } from '../../src-main/server/http';
import { makeTinyCheckpoints } from '../../scripts/make-tiny-checkpoints';
import { canvas } from '../dataset/make-images';
import { BPE_PATH } from '../fixtures/tokenizer';
import { ensureRendererBuild } from './renderer-build';

/** @example await writeInkProject(join(dir, 'Ink'), 3) */
export async function writeInkProject(root: string, count: number): Promise<void> {
  await mkdir(join(root, 'dataset'), { recursive: true });
  await writeFile(join(root, 'project.json'), JSON.stringify({ version: 1, name: 'Ink' }));
  for (let i = 0; i < count; i++) {
    await canvas(64, 64, i + 1)
      .png()
      .toFile(join(root, 'dataset', `img-${i}.png`));
    await writeFile(join(root, 'dataset', `img-${i}.txt`), `ink style, picture ${i}`);
  }
}

/** What {@link startInkWorkspace} sets up under one folder. */
export interface InkWorkspace {
  services: Services;
  server: RunningServer;
  /** The tiny SD1 checkpoint, a single file. */
  tinySd1: string;
}

/**
 * The web-mode world of the screen tests under `dir`: the Ink project (`dir/Ink`, `images` pictures), tiny
 * checkpoints in `dir/models`, a cache holding the CLIP vocabulary, Services and the real server.
 * @example const { server, services, tinySd1 } = await startInkWorkspace(dir, 3)
 */
export async function startInkWorkspace(dir: string, images: number): Promise<InkWorkspace> {
  const [rendererDir, models] = await Promise.all([
    ensureRendererBuild(),
    makeTinyCheckpoints(join(dir, 'models')),
    writeInkProject(join(dir, 'Ink'), images),
  ]);
  const cacheDir = join(dir, 'cache');
  await mkdir(cacheDir);
  await copyFile(BPE_PATH, join(cacheDir, 'bpe_simple_vocab_16e6.txt.gz'));
  const services = new Services({ mode: 'web', watch: false, cacheDir, appDataDir: join(dir, 'app-data') });
  const server = await startServer({ rendererDir, services });
  return { services, server, tinySd1: models['tiny-sd1'] };
}
