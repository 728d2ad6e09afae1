// Captioning's process plumbing with real forked processes that speak the worker protocol (a scripted worker,
// so no model is needed): batches arrive in order and are handled before the run resolves, a cancel is heard,
// a handler failure stops the worker, a dying worker is reported in plain words; and queued training jobs
// wait while captioning holds the device.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captionInWorker, etaOf } from '../../src-main/core/caption-worker';
import { TrainerJobs } from '../../src-main/core/jobs';
import { forkLauncher } from '../../src-main/jobs/worker-host';
import type { CaptionJobSpec, TrainJobSpec } from '../../src-main/api/worker-messages';
import { tempDir } from '../dataset/make-images';
import { captionJobSpec } from '../fixtures/caption-job-spec';

let dir: string;
let cleanup: () => Promise<void>;

/** A worker that captions each path as its own file name, one batch per 30 ms, and stops on cancel. */
const SCRIPTED = `
let stop = false;
process.on('message', async (m) => {
  if (m.type === 'cancel') stop = true;
  if (m.type !== 'caption') return;
  const { imagePaths, batchSize } = m.spec;
  for (let i = 0; i < imagePaths.length && !stop; i += batchSize) {
    const paths = imagePaths.slice(i, i + batchSize);
    process.send({ type: 'captions', paths, captions: paths.map((p) => 'tag ' + p.split('/').pop()) });
    await new Promise((r) => setTimeout(r, 30));
  }
  process.send({ type: 'captions-done', cancelled: stop });
  setTimeout(() => process.exit(0), 20);
});
process.send({ type: 'ready' });
`;

const spec = (n: number, batchSize = 2): CaptionJobSpec => captionJobSpec(n, batchSize);

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('caption-worker'));
  await writeFile(join(dir, 'scripted.mjs'), SCRIPTED);
  await writeFile(join(dir, 'dies.mjs'), "process.stderr.write('bad model\\n'); process.exit(2);\n");
});
afterAll(() => cleanup());

describe('captionInWorker', () => {
  it('hands on every batch in order, finishing each before the run resolves', async () => {
    const seen: string[] = [];
    const run = captionInWorker(
      forkLauncher({ path: join(dir, 'scripted.mjs'), execArgv: [] }),
      spec(5),
      async (paths, captions) => {
        await new Promise((r) => setTimeout(r, 50)); // slower than the worker: batches queue up
        seen.push(...captions);
        expect(paths).toHaveLength(captions.length);
      },
    );
    expect(await run.done).toEqual({ cancelled: false });
    expect(seen).toEqual(['tag 0.png', 'tag 1.png', 'tag 2.png', 'tag 3.png', 'tag 4.png']);
  });

  it('stops after a cancel and says so', async () => {
    let batches = 0;
    const run = captionInWorker(
      forkLauncher({ path: join(dir, 'scripted.mjs'), execArgv: [] }),
      spec(40, 1),
      async () => {
        if (++batches === 2) run.cancel();
      },
    );
    expect(await run.done).toEqual({ cancelled: true });
    expect(batches).toBeGreaterThanOrEqual(2);
    expect(batches).toBeLessThan(40);
  });

  it('rejects with the handler error and stops the worker when writing a batch fails', async () => {
    let batches = 0;
    const run = captionInWorker(
      forkLauncher({ path: join(dir, 'scripted.mjs'), execArgv: [] }),
      spec(40, 1),
      async () => {
        batches++;
        throw new Error('disk full');
      },
    );
    await expect(run.done).rejects.toThrow('disk full');
    expect(batches).toBe(1);
  });

  it('reports a worker that dies with its last words', async () => {
    const run = captionInWorker(
      forkLauncher({ path: join(dir, 'dies.mjs'), execArgv: [] }),
      spec(3),
      async () => {},
    );
    await expect(run.done).rejects.toThrow(
      /Captioning failed: the worker exited with code 2 \(last output: bad model\)/,
    );
  });
});

describe('etaOf', () => {
  it('extrapolates the pace so far', () => {
    expect(etaOf(10_000, 5, 20)).toBe(30);
    expect(etaOf(10_000, 20, 20)).toBe(0);
    expect(etaOf(0, 0, 20)).toBeNull();
  });
});

describe('TrainerJobs while captioning holds the device', () => {
  it('keeps a new job queued until the hold ends and kick() is called', async () => {
    let held = true;
    let launched = 0;
    const launch = forkLauncher({ path: join(dir, 'dies.mjs'), execArgv: [] });
    const jobs = new TrainerJobs(
      () => (launched++, launch()),
      () => {},
      () => held,
    );
    const id = jobs.enqueue({ name: 'ink', runDir: join(dir, 'run') } as TrainJobSpec);
    expect(jobs.get(id)!.status).toBe('queued');
    jobs.kick();
    expect(launched).toBe(0);
    held = false;
    jobs.kick();
    expect(launched).toBe(1);
    expect(jobs.active()?.name).toBe('ink');
    await jobs.idle();
    expect(jobs.get(id)!.status).toBe('crashed');
  });
});
