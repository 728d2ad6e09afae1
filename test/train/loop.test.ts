import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Graph, grad, type TensorValue } from '../../src-main/engine';
import { compileGraph } from '../../src-main/engine/runtime/compile';
import type { Session } from '../../src-main/engine/runtime/session';
import { resolveConfig, type TrainConfig } from '../../src-main/train/config';
import { DivergenceError } from '../../src-main/train/guard';
import { latestStatePath } from '../../src-main/train/checkpoint';
import { readMetrics } from '../../src-main/train/metrics';
import {
  NOISE_FEEDS,
  PauseGate,
  runTraining,
  type BatchSource,
  type StepRunner,
} from '../../src-main/train/loop';
import type { Tensors } from '../../src-main/train/optim/index';

// A real compiled step on ORT: y = x·Aᵀ·Bᵀ (a rank-2 adapter on a 4→4 map) regressed onto a fixed target,
// with the loop's noise entering the input so the per-step streams matter.
const N = 8;
let session: Session;
let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-loop-'));
  const g = new Graph();
  const x = g.input('latents', 'f32', [N, 4, 1, 1]);
  const noise = g.input(NOISE_FEEDS.noise, 'f32', [N, 4, 1, 1]);
  const target = g.input('target', 'f32', [N, 4]);
  const a = g.input('A', 'f32', [2, 4]);
  const b = g.input('B', 'f32', [4, 2]);
  const flat = g.reshape(g.add(x, g.mul(noise, 0.01)), [N, 4]);
  const y = g.matmul(g.matmul(flat, g.transpose(a, [1, 0])), g.transpose(b, [1, 0]));
  const diff = g.sub(y, target);
  const loss = g.reduceMean(g.mul(diff, diff), [0, 1], false);
  const grads = grad(g, loss, [a, b]);
  session = await compileGraph(
    { loss, 'grad.A': grads[0], 'grad.B': grads[1] },
    { cacheDir: join(dir, 'cache') },
  );
});
afterAll(async () => {
  session.dispose();
  await rm(dir, { recursive: true, force: true });
});

const step: StepRunner = {
  async run(feeds, params) {
    const known = new Set(session.inputs.map((i) => i.name));
    const all: Record<string, TensorValue> = {};
    for (const [k, v] of Object.entries(feeds)) if (known.has(k)) all[k] = v;
    all.A = { dtype: 'f32', shape: [2, 4], data: params.get('A')! };
    all.B = { dtype: 'f32', shape: [4, 2], data: params.get('B')! };
    const out = (await session.run(all)) as Record<string, TensorValue>;
    return {
      loss: (out.loss.data as Float32Array)[0],
      grads: new Map([
        ['A', out['grad.A'].data as Float32Array],
        ['B', out['grad.B'].data as Float32Array],
      ]),
    };
  },
};

const data: BatchSource = {
  batchesPerEpoch: 3,
  async batch(epoch, index) {
    const x = Float32Array.from({ length: N * 4 }, (_, i) => Math.sin(i * 1.3 + index));
    const target = Float32Array.from({ length: N * 4 }, (_, i) => 0.5 * x[i] - 0.25 * x[i ^ 1]);
    return {
      feeds: {
        latents: { dtype: 'f32', shape: [N, 4, 1, 1], data: x },
        target: { dtype: 'f32', shape: [N, 4], data: target },
      },
      latentShape: [N, 4, 1, 1],
    };
  },
};

const initial = (): Tensors =>
  new Map([
    ['A', Float32Array.from({ length: 8 }, (_, i) => Math.cos(i) * 0.5)],
    ['B', new Float32Array(8)],
  ]);
const shapes = new Map([
  ['A', [2, 4]],
  ['B', [4, 2]],
]);

async function train(runDir: string, config: TrainConfig, signalAt?: number) {
  const abort = new AbortController();
  const adapters: string[] = [];
  const out = await runTraining(
    { config, runDir, step, data, params: initial(), shapes },
    {
      async exportAdapter(params, s) {
        const path = join(runDir, `adapter-${s}.json`);
        adapters.push(JSON.stringify([...params].map(([k, v]) => [k, Array.from(v)])));
        return path;
      },
      onProgress: (p) => {
        if (signalAt !== undefined && p.step === signalAt) abort.abort();
      },
      signal: abort.signal,
    },
  );
  return { out, final: adapters[adapters.length - 1] };
}

describe('runTraining', () => {
  const config = resolveConfig({
    maxSteps: 40,
    learningRate: 0.05,
    warmupSteps: 0,
    saveEverySteps: 10,
    gradientAccumulation: 2,
    minSnrGamma: 0,
  });

  it('lowers the loss, deterministically', async () => {
    const a = await train(join(dir, 'a'), config);
    const b = await train(join(dir, 'b'), config);
    expect(a.out.status).toBe('finished');
    expect(a.final).toBe(b.final);
    const m = await readMetrics(join(dir, 'a'));
    expect(m).toHaveLength(40);
    expect(m[39].smoothLoss).toBeLessThan(m[0].loss * 0.5);
  });

  it('cancel saves; a rerun resumes and ends bit-identical to an uninterrupted run, with one log line per step', async () => {
    const straight = await train(join(dir, 'c'), config);
    const cut = await train(join(dir, 'd'), config, 17);
    expect(cut.out).toMatchObject({ status: 'cancelled', step: 17 });
    const resumed = await train(join(dir, 'd'), config);
    expect(resumed.out.resumedFrom).toBe(17);
    expect(resumed.final).toBe(straight.final);
    const steps = (await readMetrics(join(dir, 'd'))).map((m) => m.step);
    expect(steps).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect((await readFile(join(dir, 'd', 'metrics.jsonl'), 'utf8')).split('\n').length).toBe(41);
  });

  it('checkpoints at the end of every Nth epoch', async () => {
    const steps: number[] = [];
    await runTraining(
      {
        config: resolveConfig({ maxSteps: 7, warmupSteps: 0, saveEverySteps: 0, saveEveryEpochs: 1 }),
        runDir: join(dir, 'f'),
        step,
        data,
        params: initial(),
        shapes,
      },
      { exportAdapter: async (_p, s) => (steps.push(s), 'x') },
    );
    expect(steps).toEqual([3, 6, 7]); // 3 batches per epoch, then the final adapter
  });

  it('saves a checkpoint after the step where "Save now" was asked, and goes on', async () => {
    const steps: number[] = [];
    let asked = false;
    const out = await runTraining(
      {
        config: resolveConfig({ maxSteps: 6, warmupSteps: 0, saveEverySteps: 0 }),
        runDir: join(dir, 'save-now'),
        step,
        data,
        params: initial(),
        shapes,
      },
      {
        exportAdapter: async (_p, s) => (steps.push(s), 'x'),
        onProgress: (p) => (asked = p.step === 2),
        saveNow: () => asked,
      },
    );
    expect(steps).toEqual([2, 6]); // the asked-for checkpoint, then the final adapter
    expect(out.status).toBe('finished');
    expect(await latestStatePath(join(dir, 'save-now'))).not.toBeNull();
  });

  it('waits while paused', async () => {
    const gate = new PauseGate();
    gate.pause();
    let done = false;
    const running = runTraining(
      {
        config: resolveConfig({ maxSteps: 2, warmupSteps: 0 }),
        runDir: join(dir, 'e'),
        step,
        data,
        params: initial(),
        shapes,
      },
      { exportAdapter: async () => 'x', pause: gate },
    ).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(done).toBe(false);
    gate.resume();
    await running;
    expect(done).toBe(true);
  });
});

describe('the divergence guard', () => {
  const at = (learningRate: number) =>
    resolveConfig({ maxSteps: 30, warmupSteps: 0, saveEverySteps: 0, learningRate, minSnrGamma: 0 });

  it('rolls an exploding run back once with half the learning rate, says so, and ends as that run would', async () => {
    const notes: string[] = [];
    const hooks = (adapters: string[]) => ({
      async exportAdapter(params: Tensors) {
        adapters.push(JSON.stringify([...params].map(([k, v]) => [k, Array.from(v)])));
        return 'x';
      },
    });
    const [rescued, halved]: string[][] = [[], []];
    const run = (lr: number, runDir: string, adapters: string[]) =>
      runTraining(
        { config: at(lr), runDir, step, data, params: initial(), shapes },
        { ...hooks(adapters), onRollback: (m) => notes.push(m) },
      );
    expect((await run(2, join(dir, 'g2'), rescued)).status).toBe('finished');
    expect(notes).toEqual([
      expect.stringMatching(/^Step 3: the loss exploded .*rolled back to the start .*halved to 1\.00/),
    ]);
    const m = await readMetrics(join(dir, 'g2'));
    expect(m.map((x) => x.step)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1)); // rewound, no duplicates
    expect(m[0].note).toBe(notes[0]);
    expect(m.every((x) => x.lr === 1)).toBe(true);
    // From the rollback on it is exactly the run at half the rate.
    await run(1, join(dir, 'g1'), halved);
    expect(rescued.at(-1)).toBe(halved.at(-1));
    expect(notes).toHaveLength(1);
  });

  it('stops the second time, naming the step and the likely cause', async () => {
    const notes: string[] = [];
    const err = await runTraining(
      { config: at(8), runDir: join(dir, 'g8'), step, data, params: initial(), shapes },
      { exportAdapter: async () => 'x', onRollback: (m) => notes.push(m) },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DivergenceError);
    expect((err as Error).message).toMatch(
      /^Training stopped at step \d+: the loss exploded .* again after a rollback .* learning rate \(4\.00\) is too high/,
    );
    expect(notes).toHaveLength(1);
  });
});
