// The Train screen's state over the real services (tiny checkpoint, real images): a project without saved
// choices gets the recommended preset on opening the screen; saved choices come back instead.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProjectTraining } from '../../../../src-main/api/projects';
import { Services } from '../../../../src-main/core/services';
import { TrainingState } from '../../../../src-renderer/lib/state/training.svelte';
import { makeTinyCheckpoints } from '../../../../scripts/make-tiny-checkpoints';
import { canvas, tempDir } from '../../../dataset/make-images';

let dir: string;
let cleanup: () => Promise<void>;
let services: Services;
let model: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('training-state'));
  model = (await makeTinyCheckpoints(join(dir, 'models')))['tiny-sd1']!;
  await mkdir(join(dir, 'data'));
  for (const i of [0, 1])
    await canvas(64, 64, i)
      .png()
      .toFile(join(dir, 'data', `${i}.png`));
  await writeFile(join(dir, 'data', '0.txt'), 'ink');
  services = new Services({ mode: 'web', watch: false });
}, 60_000);
afterAll(async () => {
  services.dispose();
  await cleanup();
});

async function opened(
  saved: ProjectTraining | null,
): Promise<{ state: TrainingState; kept: ProjectTraining[] }> {
  const state = new TrainingState(services);
  const kept: ProjectTraining[] = [];
  state.save = async (choices) => void kept.push(choices);
  state.restore(saved);
  await state.load();
  Object.assign(state, { modelPath: model, datasetDir: join(dir, 'data'), runsDir: join(dir, 'runs') });
  return { state, kept };
}

describe('TrainingState', () => {
  it('applies the recommended preset when the project has no saved choices, and saves them', async () => {
    const { state, kept } = await opened(null);
    await state.prepare();
    expect(state.presetId).toBe('sd15-style');
    expect(state.config).toMatchObject({ resolution: 64, maxSteps: 400, rank: 16 });
    expect(state.plan?.totalSteps).toBe(400);
    expect(kept.at(-1)).toMatchObject({ presetId: 'sd15-style', config: { maxSteps: 400 } });
  }, 60_000);

  it('brings saved choices back and keeps them over the recommendation', async () => {
    const saved = {
      presetId: null,
      config: { rank: 4, maxSteps: 8, resolution: 64 },
      name: 'ink',
      prompts: 'a cat',
    };
    const { state } = await opened(saved);
    await state.prepare();
    expect(state.presetId).toBeNull();
    expect(state.config).toMatchObject({ rank: 4, maxSteps: 8 });
    expect(state.plan?.totalSteps).toBe(8);
    expect(state.snapshot()).toMatchObject({
      name: 'ink',
      prompts: 'a cat',
      config: { rank: 4, maxSteps: 8 },
    });
  }, 60_000);
});
