// TrainerJobs with the real forked worker and the real job on tiny-sd1: a run that is SIGKILLed mid-way is
// reported "crashed" and resumable, and restarting it continues from the last saved checkpoint.
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTinyCheckpoints } from '../../scripts/make-tiny-checkpoints';
import { TrainerJobs, type JobEvent } from '../../src-main/core/jobs';
import { forkLauncher, type WorkerHandle } from '../../src-main/jobs/worker-host';
import { DEFAULT_CONFIG, resolveConfig } from '../../src-main/train/config';
import type { TrainJobSpec } from '../../src-main/api/worker-messages';
import { BPE_PATH } from '../fixtures/tokenizer';

let dir = '';
let spec: TrainJobSpec;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-jobs-'));
  const paths = await makeTinyCheckpoints(join(dir, 'models'));
  const data = join(dir, 'data');
  await mkdir(data);
  for (const [name, color] of [
    ['a', '#335577'],
    ['b', '#aa4411'],
  ] as const) {
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: color } })
      .png()
      .toBuffer();
    await writeFile(join(data, `${name}.png`), png);
    await writeFile(join(data, `${name}.txt`), `ink style, ${name}`);
  }
  const cacheDir = join(dir, 'cache');
  await mkdir(cacheDir);
  await copyFile(BPE_PATH, join(cacheDir, 'bpe_simple_vocab_16e6.txt.gz'));
  spec = {
    runDir: join(dir, 'runs', 'ink'),
    modelPath: paths['tiny-sd1'],
    datasetDir: data,
    name: 'ink',
    config: resolveConfig({ ...DEFAULT_CONFIG, resolution: 64, maxSteps: 6, saveEverySteps: 2 }),
    cacheDir,
  };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('TrainerJobs', () => {
  it('reports a killed worker as crashed and resumes from the last checkpoint', async () => {
    const handles: WorkerHandle[] = [];
    const launch = forkLauncher();
    const events: JobEvent[] = [];
    let killed = false;
    const jobs = new TrainerJobs(
      () => {
        const handle = launch();
        handles.push(handle);
        return handle;
      },
      (e) => {
        events.push(e);
        // Kill the first worker right after its step-2 checkpoint is on disk.
        if (!killed && e.message?.type === 'checkpoint') {
          killed = true;
          handles[0]!.kill('SIGKILL');
        }
      },
    );
    const id = jobs.enqueue(spec);
    await jobs.idle();
    const crashed = jobs.get(id)!;
    expect(crashed.status).toBe('crashed');
    expect(crashed.resumable).toBe(true);
    expect(crashed.error).toMatch(/killed \(SIGKILL\).*continue from the last checkpoint/);

    const again = jobs.restart(id);
    await jobs.idle();
    const done = jobs.get(again)!;
    expect(done.error).toBeNull();
    expect(done.status).toBe('finished');
    expect(done.outcome).toMatchObject({ status: 'finished', step: 6, totalSteps: 6 });
    expect(done.outcome!.resumedFrom).toBeGreaterThanOrEqual(2);
    expect(handles).toHaveLength(2);
    const firstProgress = events.find((e) => e.job.id === again && e.message?.type === 'progress');
    expect(firstProgress?.job.progress?.step).toBeGreaterThan(2);
  }, 240_000);
});
