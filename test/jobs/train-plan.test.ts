// The plan checks every front door runs (the app's services and `tessera train`): full paths only, a request
// planned against the tiny model and the Ink dataset, and a plan with problems refused in the plan's own words.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { absolutePath, assertPlanned, planTraining } from '../../src-main/jobs/train-plan';
import { tinyWorkspace } from '../fixtures/tiny-workspace';

let dir = '';
let paths: Record<string, string> = {};
beforeAll(async () => {
  ({ dir, paths } = await tinyWorkspace('train-plan', { dataset: true }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the plan checks of a training run', () => {
  it('takes full paths only', () => {
    expect(absolutePath('Dataset folder', '/art/ink')).toBe('/art/ink');
    expect(() => absolutePath('Dataset folder', 'ink')).toThrow(
      'Dataset folder: give a full path, not "ink".',
    );
  });

  it('plans a usable request with a preset and passes it on; refuses a LoRA as the base model in plain words', async () => {
    const request = {
      modelPath: paths['tiny-sd1'],
      datasetDir: join(dir, 'data'),
      name: 'ink',
      runsDir: join(dir, 'runs'),
      presetId: 'quick-test',
      config: { resolution: 64 },
    };
    const plan = await planTraining(request);
    expect(plan.problems).toEqual([]);
    expect(plan.config).toMatchObject({ resolution: 64, rank: 8, maxSteps: 200 }); // request, then preset
    expect(plan.buckets).toEqual([{ width: 64, height: 64, images: 2 }]);
    expect(assertPlanned(plan)).toBe(plan);
    const lora = await planTraining({ ...request, modelPath: paths['tiny-sd1-lora'] });
    expect(lora.problems).toEqual([`${paths['tiny-sd1-lora']} is a LoRA, not a base model.`]);
    expect(() => assertPlanned(lora)).toThrow(`${paths['tiny-sd1-lora']} is a LoRA, not a base model.`);
    const unknown = await planTraining({ ...request, presetId: 'nope' });
    expect(unknown.problems).toContain('Unknown preset "nope".');
  });
});
