// The Train screen's state against an in-memory contract (the real option table and presets; plans, jobs and
// errors as the server would send them): presets, the recommendation, saved choices per project, the request,
// checking, Start, job control and the live events. training-state.test.ts runs the same state over the real
// services; screens/train/train-screen.test.ts renders what this state shows.
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../../src-main/api/errors';
import type { ProjectTraining } from '../../../../src-main/api/projects';
import type { TrainPlan } from '../../../../src-main/api/training';
import { DEFAULT_CONFIG, PRESETS } from '../../../../src-main/train/config';
import {
  MAX_POINTS,
  TrainingState,
  type Subscribe,
} from '../../../../src-renderer/lib/state/training.svelte';
import { jobOf, MemoryTrainingApi, OPTIONS_TABLE, planOf, progressAt } from './training-fixtures';

/** Event listeners by name, and a way to send an event as the transport would. */
function eventBus(): { subscribe: Subscribe; emit: (name: string, payload: unknown) => void } {
  const listeners = new Map<string, (payload: unknown) => void>();
  return {
    subscribe: (name, listener) => (listeners.set(name, listener), () => listeners.delete(name)),
    emit: (name, payload) => listeners.get(name)?.(payload),
  };
}

/** A state as App.svelte makes it: loaded, saving into `saved`, with model and dataset paths filled in. */
async function opened(
  api = new MemoryTrainingApi(),
  project: ProjectTraining | null = null,
): Promise<{ state: TrainingState; api: MemoryTrainingApi; saved: ProjectTraining[] }> {
  const state = new TrainingState(api);
  const saved: ProjectTraining[] = [];
  state.save = async (training) => void saved.push(training);
  state.restore(project);
  await state.load();
  Object.assign(state, {
    modelPath: ' /m/sd15.safetensors ',
    datasetDir: '/p/ink/dataset',
    runsDir: '/p/ink/runs',
  });
  return { state, api, saved };
}

describe('TrainingState: options and presets', () => {
  it('load() brings the option table, starts from the defaults and lists the jobs', async () => {
    const api = new MemoryTrainingApi();
    api.jobs = [jobOf('old', 'finished')];
    const { state } = await opened(api);
    expect(state.options).toBe(OPTIONS_TABLE);
    expect(state.config).toEqual(DEFAULT_CONFIG);
    expect(state.config).not.toBe(DEFAULT_CONFIG);
    expect(state.jobs.map((j) => j.id)).toEqual(['old']);
    expect(state.error).toBeNull();
  });

  it('load() shows a failure as an error instead of throwing', async () => {
    const api = new MemoryTrainingApi();
    api.failWith.getTrainingOptions = new ApiError('INTERNAL', 'the trainer is gone');
    const state = new TrainingState(api);
    await state.load();
    expect(state.options).toBeNull();
    expect(state.error).toEqual({ code: 'INTERNAL', name: 'ApiError', message: 'the trainer is gone' });
  });

  it('applyPreset() sets the preset over the defaults, with extra values on top; an unknown id changes nothing', async () => {
    const { state } = await opened();
    state.applyPreset('quick-test', { seed: 7 });
    expect(state.presetId).toBe('quick-test');
    expect(state.config).toEqual({ ...DEFAULT_CONFIG, ...PRESETS[3]!.config, seed: 7 });
    state.applyPreset('no-such-preset');
    expect(state.presetId).toBe('quick-test');
    expect(state.config?.seed).toBe(7);
  });

  it('applyPreset() before the options arrive does nothing', () => {
    const state = new TrainingState(new MemoryTrainingApi());
    state.applyPreset('quick-test');
    expect(state.presetId).toBeNull();
    expect(state.config).toBeNull();
  });

  it("applyRecommendation() applies the plan's preset and length, and nothing without a plan", async () => {
    const { state } = await opened();
    state.applyRecommendation();
    expect(state.presetId).toBeNull();
    await state.validate();
    state.applyRecommendation();
    expect(state.presetId).toBe('sd15-style');
    expect(state.config).toMatchObject({ resolution: 512, rank: 16, maxSteps: 1200, warmupSteps: 50 });
  });
});

describe('TrainingState: choices saved per project', () => {
  const saved: ProjectTraining = {
    presetId: 'quick-test',
    config: { rank: 4, maxSteps: 8 },
    name: 'ink',
    prompts: 'a cat\nan owl',
  };

  it('restore() before load() keeps the choices until the option table arrives', async () => {
    const state = new TrainingState(new MemoryTrainingApi());
    state.restore(saved);
    expect(state.config).toBeNull();
    await state.load();
    expect(state.presetId).toBe('quick-test');
    expect(state.config).toEqual({ ...DEFAULT_CONFIG, rank: 4, maxSteps: 8 });
    expect(state.name).toBe('ink');
    expect(state.prompts).toBe('a cat\nan owl');
  });

  it('restore() of another project replaces the choices; null goes back to the defaults and drops the plan', async () => {
    const { state } = await opened(undefined, saved);
    await state.validate();
    state.restore({ presetId: null, config: { rank: 32 }, name: '', prompts: '' });
    expect(state.config?.rank).toBe(32);
    expect(state.name).toBe('ink'); // an empty saved name keeps the current one
    expect(state.plan).toBeNull();
    state.restore(null);
    expect(state.presetId).toBeNull();
    expect(state.config).toEqual(DEFAULT_CONFIG);
  });

  it('snapshot() is what save keeps: preset, a copy of the config, name and prompts', async () => {
    const { state } = await opened(undefined, saved);
    const snap = state.snapshot();
    expect(snap).toEqual({
      presetId: 'quick-test',
      config: state.config,
      name: 'ink',
      prompts: 'a cat\nan owl',
    });
    expect(snap.config).not.toBe(state.config);
  });

  it('prepare() on a project without saved choices applies the recommendation, checks again and saves it', async () => {
    const { state, api, saved: kept } = await opened();
    await state.prepare();
    expect(api.plans).toHaveLength(2);
    expect(api.plans[1]!.config).toMatchObject({ maxSteps: 1200, resolution: 512 });
    expect(state.presetId).toBe('sd15-style');
    expect(kept.at(-1)).toMatchObject({ presetId: 'sd15-style', config: { maxSteps: 1200 } });
  });

  it('prepare() keeps saved choices, and a preset the user picked, over the recommendation', async () => {
    const { state, api } = await opened(undefined, saved);
    await state.prepare();
    expect(api.plans).toHaveLength(1);
    expect(state.presetId).toBe('quick-test');

    const fresh = await opened();
    fresh.state.applyPreset('quick-test');
    await fresh.state.prepare();
    expect(fresh.api.plans).toHaveLength(1);
    expect(fresh.state.presetId).toBe('quick-test');
  });

  it('prepare() waits for a model and a dataset before asking for a plan', async () => {
    const { state, api } = await opened();
    state.datasetDir = '  ';
    await state.prepare();
    expect(api.plans).toEqual([]);
    expect(state.plan).toBeNull();
  });
});

describe('TrainingState: checking and starting', () => {
  it('request() trims the paths and name, copies the config and keeps non-empty prompt lines', async () => {
    const { state } = await opened();
    state.name = ' ink ';
    state.prompts = ' a cat --d 42 \n\n  an owl\n';
    const request = state.request();
    expect(request).toEqual({
      modelPath: '/m/sd15.safetensors',
      datasetDir: '/p/ink/dataset',
      runsDir: '/p/ink/runs',
      name: 'ink',
      config: DEFAULT_CONFIG,
      samplePrompts: ['a cat --d 42', 'an owl'],
    });
    expect(request.config).not.toBe(state.config);
  });

  it('validate() keeps the plan and saves the choices; Start is possible only with a plan without problems', async () => {
    const { state, api, saved } = await opened();
    expect(state.canStart).toBe(false);
    await state.validate();
    expect(state.plan?.totalSteps).toBe(120);
    expect(state.planning).toBe(false);
    expect(state.canStart).toBe(true);
    expect(saved).toHaveLength(1);

    api.plan = (r) =>
      planOf(r, { problems: ['The dataset folder has no images.'], warnings: ['Few images.'] });
    await state.validate();
    expect(state.plan?.problems).toEqual(['The dataset folder has no images.']);
    expect(state.canStart).toBe(false);
  });

  it('validate() reports planning while the server checks, and Start waits for it', async () => {
    const { state, api } = await opened();
    let answer: (plan: TrainPlan) => void = () => {};
    api.planTraining = () => new Promise((resolve) => (answer = resolve));
    const checking = state.validate();
    expect(state.planning).toBe(true);
    expect(state.canStart).toBe(false);
    answer(planOf(state.request()));
    await checking;
    expect(state.planning).toBe(false);
    expect(state.canStart).toBe(true);
  });

  it('validate() failing drops the plan and shows the error, saving nothing', async () => {
    const { state, api, saved } = await opened();
    await state.validate();
    api.failWith.planTraining = new ApiError('NOT_FOUND', 'no such model: /m/sd15.safetensors');
    await state.validate();
    expect(state.plan).toBeNull();
    expect(state.error).toMatchObject({ code: 'NOT_FOUND', message: 'no such model: /m/sd15.safetensors' });
    expect(saved).toHaveLength(1);
    expect(state.canStart).toBe(false);
  });

  it('start() sends the request, shows the job on the dashboard with a fresh chart, and saves the choices', async () => {
    const { state, api, saved } = await opened();
    state.metrics = [progressAt(1)];
    state.samples = [{ step: 1, index: 0, prompt: 'x', path: '/x.png' }];
    await state.start();
    expect(api.started).toHaveLength(1);
    expect(state.current?.id).toBe('job-1');
    expect(state.view).toBe('dashboard');
    expect(state.metrics).toEqual([]);
    expect(state.samples).toEqual([]);
    expect(saved).toHaveLength(1);
  });

  it('start() refused by the server stays on the settings and says why', async () => {
    const { state, api } = await opened();
    api.failWith.startTraining = new ApiError('INVALID_ARGUMENT', 'A run is already active.');
    await state.start();
    expect(state.view).toBe('settings');
    expect(state.jobs).toEqual([]);
    expect(state.error).toMatchObject({ code: 'INVALID_ARGUMENT', message: 'A run is already active.' });
  });
});

describe('TrainingState: jobs, control and live events', () => {
  it('current is the running or paused job, else the newest', async () => {
    const api = new MemoryTrainingApi();
    api.jobs = [jobOf('a', 'finished'), jobOf('b', 'paused'), jobOf('c', 'failed')];
    const { state } = await opened(api);
    expect(state.current?.id).toBe('b');
    state.jobs = [jobOf('a', 'finished'), jobOf('c', 'failed')];
    expect(state.current?.id).toBe('c');
    state.jobs = [];
    expect(state.current).toBeNull();
  });

  it('control() acts on the current job and shows the answer; without a job it asks nothing', async () => {
    const { state, api } = await opened();
    await state.control('pause');
    expect(api.actions).toEqual([]);
    await state.start();
    await state.control('pause');
    expect(api.actions).toEqual([['job-1', 'pause']]);
    expect(state.current?.status).toBe('paused');
    api.failWith.controlJob = new ApiError('NOT_FOUND', 'no job job-1');
    await state.control('resume');
    expect(state.error).toMatchObject({ message: 'no job job-1' });
  });

  it('openRun() loads the chart and samples of a run folder', async () => {
    const { state } = await opened();
    await state.openRun('/runs/ink-1');
    expect(state.metrics.map((m) => m.step)).toEqual([1, 2]);
    expect(state.samples).toEqual([
      { step: 2, index: 0, prompt: 'a cat', path: '/runs/ink-1/samples/2-0.png' },
    ]);
  });

  it('train.job, train.progress and train.sample events update the jobs, the chart and the samples', async () => {
    const { subscribe, emit } = eventBus();
    const state = new TrainingState(new MemoryTrainingApi(), subscribe);
    emit('train.job', jobOf('j', 'running'));
    emit('train.job', jobOf('k', 'queued'));
    emit('train.progress', { jobId: 'j', progress: progressAt(1) });
    emit('train.progress', { jobId: 'gone', progress: progressAt(2) });
    emit('train.sample', { jobId: 'j', sample: { step: 2, index: 0, prompt: 'a cat', path: '/s.png' } });
    expect(state.jobs.map((j) => j.id)).toEqual(['k', 'j']);
    expect(state.current?.progress?.step).toBe(1);
    expect(state.metrics.map((m) => m.step)).toEqual([1, 2]);
    expect(state.samples).toHaveLength(1);
  });

  it("a long run's chart stays bounded and keeps the guard's notes", () => {
    const { subscribe, emit } = eventBus();
    const state = new TrainingState(new MemoryTrainingApi(), subscribe);
    state.metrics = Array.from({ length: MAX_POINTS }, (_, i) =>
      progressAt(i, i === 1 ? 'rolled back' : undefined),
    );
    emit('train.progress', { jobId: 'j', progress: progressAt(MAX_POINTS) });
    expect(state.metrics.length).toBeLessThanOrEqual(MAX_POINTS / 2 + 2);
    expect(state.metrics.some((m) => m.note === 'rolled back')).toBe(true);
    expect(state.metrics.at(-1)?.step).toBe(MAX_POINTS);
  });
});
