// One-off generation plumbing: default output paths, and a worker that dies without an image is reported in
// plain words (a real forked process that exits at once). The happy path runs in services-training.test.ts.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerateRequest } from '../../src-main/api/training';
import { defaultImagePath, generateInWorker, withOutPath } from '../../src-main/core/generate';
import { forkLauncher } from '../../src-main/core/worker-process';
import { tempDir } from '../dataset/make-images';

let dir: string;
let cleanup: () => Promise<void>;
const request: GenerateRequest = {
  modelPath: '/m/sd15.safetensors',
  prompt: 'a cat',
  seed: 42,
  steps: 2,
  cfg: 7,
  sampler: 'euler',
  width: 64,
  height: 64,
};

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('generate'));
});
afterAll(() => cleanup());

describe('generate', () => {
  it('names output files by time and seed under generated/', () => {
    const at = new Date('2026-11-29T01:02:03.456Z');
    expect(defaultImagePath('/art/ink/runs', 7, at)).toBe(
      join('/art/ink/runs', 'generated', '2026-11-29T01-02-03-456Z-7.png'),
    );
    expect(withOutPath(request, '/r').outPath).toMatch(/^\/r\/generated\/.*-42\.png$/);
    expect(withOutPath({ ...request, outPath: '/o/x.png' }, '/r').outPath).toBe('/o/x.png');
  });

  it('rejects with the reason when the worker dies before an image', async () => {
    const entry = join(dir, 'dies.mjs');
    await writeFile(entry, "process.stderr.write('out of memory\\n'); process.exit(3);\n");
    const launch = forkLauncher({ path: entry, execArgv: [] });
    await expect(
      generateInWorker(launch, { request: { ...request, outPath: join(dir, 'x.png') }, cacheDir: dir }),
    ).rejects.toThrow(
      /Could not render "a cat": the image worker exited with code 3 \(last output: out of memory\)/,
    );
  });
});
