// A full disk (a real 1 MiB tmpfs mounted by the test; skipped, saying why, where it cannot be mounted):
// captions, training checkpoints, exported adapters and latent-cache entries fail with an error that says the
// disk is full, leave the previous file byte-for-byte intact, and leave no temp files behind.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf } from '../../src-main/api/errors';
import { writeCaption } from '../../src-main/dataset/captions';
import { writeSafetensors } from '../../src-main/formats/safetensors';
import { exportKohya } from '../../src-main/lora/export-kohya';
import { loadLoRA } from '../../src-main/lora/load';
import { saveTrainState, type TrainState } from '../../src-main/train/checkpoint';
import { makeTinyCheckpoints } from '../../scripts/make-tiny-checkpoints';

const root = mkdtempSync(join(tmpdir(), 'tessera-disk-full-'));
const disk = join(root, 'disk');

/** Mounts a 1 MiB tmpfs at `disk`; the reason it could not, or null. */
function mountSmallDisk(): string | null {
  if (process.platform !== 'linux') return 'needs Linux tmpfs';
  if (process.getuid?.() !== 0) return 'needs root to mount a tmpfs';
  mkdirSync(disk);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', disk], { stdio: 'pipe' });
    return null;
  } catch (err) {
    return `mount failed: ${(err as Error).message.split('\n')[0]}`;
  }
}

const why = mountSmallDisk();
if (why) console.warn(`disk-full tests skipped: ${why}`);

afterAll(() => {
  if (!why) execFileSync('umount', [disk]);
  rmSync(root, { recursive: true, force: true });
});

let lora = '';
beforeAll(async () => {
  if (why) return;
  lora = (await makeTinyCheckpoints(join(root, 'models')))['tiny-sd1-lora'];
});

/** Fills what is left of the disk (the filler write itself fails with ENOSPC once it is full). */
async function fill(): Promise<void> {
  const err = await writeFile(join(disk, 'filler'), Buffer.alloc(2 << 20, 1)).catch((e: unknown) => e);
  expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
}

const state = (step: number, value: number): TrainState => ({
  counters: { step, skipped: 0, lossScale: 1, goodSteps: step, smoothLoss: 0.1 },
  params: new Map([['A', new Float32Array(256).fill(value)]]),
  shapes: new Map([['A', [16, 16]]]),
  optimizer: { slots: { m: { A: new Float32Array(256).fill(value) } }, scalars: { step } },
  fingerprint: 'f',
});

describe.skipIf(why !== null)('on a full disk', () => {
  it('keeps every previous file and says the disk is full', async () => {
    // The files as they were before the disk filled up.
    await mkdir(join(disk, 'dataset'));
    await writeCaption(join(disk, 'dataset', 'cat.png'), 'a cat');
    const run = join(disk, 'run');
    await saveTrainState(run, state(10, 1));
    const exported = join(disk, 'ink.safetensors');
    const { adapter } = await loadLoRA(lora);
    await exportKohya(adapter, exported, { dtype: 'F32' });
    const cache = join(disk, 'latent.safetensors');
    await writeSafetensors(cache, [{ name: 'mean', dtype: 'F32', shape: [4], data: new Float32Array(4) }]);
    const before = new Map<string, Buffer>();
    const files = [
      join(disk, 'dataset', 'cat.txt'),
      exported,
      cache,
      join(run, 'checkpoints', 'step-00000010.safetensors'),
    ];
    for (const f of files) before.set(f, await readFile(f));
    await fill();

    const failures = [
      await writeCaption(join(disk, 'dataset', 'cat.png'), 'a cat on a mat, long caption text').catch(
        (e: unknown) => e,
      ),
      await saveTrainState(run, state(20, 2)).catch((e: unknown) => e),
      await exportKohya(adapter, exported, { dtype: 'F32' }).catch((e: unknown) => e),
      await writeSafetensors(cache, [
        { name: 'mean', dtype: 'F32', shape: [256], data: new Float32Array(256) },
      ]).catch((e: unknown) => e),
    ];
    for (const err of failures) {
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/the disk is full/);
      expect(codeOf(err)).toBe('DISK_FULL');
    }
    for (const [f, bytes] of before) expect((await readFile(f)).equals(bytes), f).toBe(true);
    // No temp files left behind anywhere.
    const all = await readdir(disk, { recursive: true });
    expect(all.filter((f) => /tmp/.test(f))).toEqual([]);
  });
});
