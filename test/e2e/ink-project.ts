// A project folder the e2e screens open: project.json named "Ink" and `count` 64×64 images captioned
// "ink style, picture N" in its dataset/.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { canvas } from '../dataset/make-images';

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
