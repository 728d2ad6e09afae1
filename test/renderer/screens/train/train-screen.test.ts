// What the Train screen shows for a state: preset buttons and the recommendation, the plan's numbers, its
// problems and warnings, Start disabled while the plan has problems, and the dashboard once a run is active.
// NOTE: rendered with svelte/server and read in jsdom, like model-report.test.ts (see the note there).
import { JSDOM } from 'jsdom';
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import { TrainingState } from '../../../../src-renderer/lib/state/training.svelte';
import TrainScreen from '../../../../src-renderer/screens/train/TrainScreen.svelte';
import { OPTION_GROUPS } from '../../../../src-main/api/train-config';
import { OPTIONS } from '../../../../src-main/train/config';
import { jobOf, MemoryTrainingApi, planOf } from '../../lib/state/training-fixtures';

async function checked(over: Parameters<typeof planOf>[1] = {}): Promise<TrainingState> {
  const api = new MemoryTrainingApi();
  api.plan = (request) => planOf(request, over);
  const state = new TrainingState(api);
  await state.load();
  Object.assign(state, { modelPath: '/m/sd15.safetensors', datasetDir: '/p/ink/dataset' });
  await state.validate();
  return state;
}

function screen(state: TrainingState): Document {
  const { body } = render(TrainScreen, { props: { state, imageUrl: (path: string) => `/img?p=${path}` } });
  return new JSDOM(body).window.document;
}

const button = (doc: Document, name: string): HTMLButtonElement | undefined =>
  [...doc.querySelectorAll('button')].find((b) => b.textContent?.trim() === name);

describe('TrainScreen', () => {
  it("shows the plan's numbers and warnings, and Start is enabled when it has no problems", async () => {
    const doc = screen(await checked({ warnings: ['Only 12 images: the style may not generalise.'] }));
    const plan = doc.querySelector('.plan')!.textContent!.replace(/\s+/g, ' ');
    expect(plan).toContain('12 images (10 captioned) in 1 bucket');
    expect(plan).toContain('120 steps');
    expect(plan).toContain('roughly 3.0 GiB of device memory');
    expect([...doc.querySelectorAll('.warning')].map((p) => p.textContent)).toEqual([
      'Only 12 images: the style may not generalise.',
    ]);
    expect(doc.querySelectorAll('.problem')).toHaveLength(0);
    expect(button(doc, 'Start training')!.disabled).toBe(false);
  });

  it("shows every option of the table exactly once, in its own group, groups in the contract's order", async () => {
    const doc = screen(await checked());
    const sections = [...doc.querySelectorAll('details')].filter((d) =>
      (OPTION_GROUPS as readonly string[]).includes(d.querySelector('summary')?.textContent?.trim() ?? ''),
    );
    expect(sections.map((d) => d.querySelector('summary')!.textContent!.trim())).toEqual([...OPTION_GROUPS]);
    const shown = sections.flatMap((d) =>
      [...d.querySelectorAll('label')].map((l) => ({
        group: d.querySelector('summary')!.textContent!.trim(),
        label: l.textContent!.trim(),
      })),
    );
    expect(shown).toHaveLength(OPTIONS.length);
    for (const spec of OPTIONS)
      expect(shown.filter((s) => s.label === spec.label)).toEqual([{ group: spec.group, label: spec.label }]);
  });

  it('lists the problems and keeps Start disabled while there are any', async () => {
    const doc = screen(await checked({ problems: ['The dataset folder has no images.'] }));
    expect([...doc.querySelectorAll('.problem')].map((p) => p.textContent)).toEqual([
      'The dataset folder has no images.',
    ]);
    expect(button(doc, 'Start training')!.disabled).toBe(true);
  });

  it('marks the chosen preset and offers the recommendation until it is applied', async () => {
    const state = await checked();
    state.applyPreset('quick-test');
    let doc = screen(state);
    expect(button(doc, 'Quick test')!.getAttribute('aria-pressed')).toBe('true');
    expect(button(doc, 'SD1.5 style')!.getAttribute('aria-pressed')).toBe('false');
    expect(doc.querySelector('[data-testid="preset-explained"]')!.textContent).toContain(
      'SD1.5 style for 12 images.',
    );
    expect(button(doc, 'Use it')).toBeDefined();
    state.applyRecommendation();
    doc = screen(state);
    expect(button(doc, 'SD1.5 style')!.getAttribute('aria-pressed')).toBe('true');
    expect(button(doc, 'Use it')).toBeUndefined();
  });

  it('shows an error from the server and no plan', async () => {
    const api = new MemoryTrainingApi();
    const state = new TrainingState(api);
    await state.load();
    api.failWith.planTraining = new Error('no such model: /m/none.safetensors');
    await state.validate();
    const doc = screen(state);
    expect(doc.body.textContent).toContain('no such model: /m/none.safetensors');
    expect(doc.querySelector('.plan')).toBeNull();
    expect(button(doc, 'Start training')!.disabled).toBe(true);
  });

  it('collapses the settings to a summary beside the dashboard while a run is active', async () => {
    const state = await checked();
    state.jobs = [jobOf('job-1', 'running')];
    const doc = screen(state);
    expect(doc.querySelector('[data-testid="settings-summary"]')).not.toBeNull();
    expect(doc.querySelector('#train-heading')).toBeNull();
    expect(button(doc, 'Change settings and train again')).toBeUndefined();
  });
});
