// One-off generation plumbing: default output paths, and a worker that dies without an image is reported in
// plain words (a real forked process that exits at once). The happy path runs in services-training.test.ts.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../src-main/api/errors';
import type { GenerateRequest } from '../../src-main/api/training';
import { defaultImagePath, generateInWorker, withOutPath } from '../../src-main/core/generate';
import { forkLauncher } from '../../src-main/jobs/worker-host';
import { writeSafetensors } from '../../src-main/formats/safetensors';
import { makeTinyCheckpoints } from '../../scripts/make-tiny-checkpoints';
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
      /Could not render "a cat" \(64×64\): the worker exited with code 3 \(last output: out of memory\)/,
    );
  });

  it('reports a worker the system killed (SIGKILL, as the out-of-memory killer does) as OUT_OF_MEMORY', async () => {
    const entry = join(dir, 'killed.mjs');
    await writeFile(entry, "process.kill(process.pid, 'SIGKILL');\n");
    const launch = forkLauncher({ path: entry, execArgv: [] });
    const err = await generateInWorker(launch, {
      request: { ...request, outPath: join(dir, 'k.png') },
      cacheDir: dir,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('OUT_OF_MEMORY');
    expect((err as ApiError).message).toMatch(/killed \(SIGKILL\), most likely for lack of memory/);
  });

  it('keeps the code of the real worker’s error: a LoRA this model cannot apply is the user’s, not a bug', async () => {
    const paths = await makeTinyCheckpoints(join(dir, 'm'));
    const lora = join(dir, 'unknown-family.safetensors');
    const f = (n: number) => new Float32Array(n).fill(0.1);
    await writeSafetensors(lora, [
      { name: 'lora_unet_foo_proj.lora_down.weight', dtype: 'F32', shape: [2, 4], data: f(8) },
      { name: 'lora_unet_foo_proj.lora_up.weight', dtype: 'F32', shape: [4, 2], data: f(8) },
    ]);
    const spec = {
      request: {
        ...request,
        modelPath: paths['tiny-sd1'],
        lora: { path: lora, strength: 1 },
        outPath: join(dir, 'l.png'),
        width: 16,
        height: 16,
      },
      cacheDir: dir,
    };
    const err = await generateInWorker(forkLauncher(), spec).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'INVALID_ARGUMENT', name: 'LoRAError' });
    expect((err as ApiError).message).toMatch(/no module this model can apply/);
  });
});
