// The training rows of the argument table: well-formed requests pass unchanged, malformed ones name the field.
import { describe, expect, it } from 'vitest';
import { validateArgs } from '../../src-main/api/validate';
import { GENERATE_SAMPLERS, TRAINING_ARG_SPECS } from '../../src-main/api/validate-training';
import { invalidArgumentMessage } from './invalid-argument';

const train = {
  modelPath: '/m/sd15.safetensors',
  datasetDir: '/art/ink/dataset',
  name: 'ink',
  runsDir: '/art/ink/runs',
  config: { resolution: 512, flip: true, optimizer: 'adamw' },
  samplePrompts: ['a cat --d 1'],
};
const generate = {
  modelPath: '/m/sd15.safetensors',
  prompt: 'a cat',
  seed: 1,
  steps: 20,
  cfg: 7,
  sampler: 'euler_a',
  width: 512,
  height: 512,
};
const exporting = {
  adapterPath: '/r/ink.safetensors',
  format: 'peft',
  precision: 'fp16',
  outPath: '/o/a.safetensors',
};

describe('comparison requests', () => {
  const compare = {
    modelPath: '/m/sd15.safetensors',
    runDir: '/art/ink/runs/ink-1',
    prompts: ['ink, a cat --d 1'],
    columns: [{ label: 'base' }, { label: '×1', lora: { path: '/r/ink.safetensors', strength: 1 } }],
    seed: 1,
  };

  it('passes a well-formed request unchanged', () => {
    expect(validateArgs('renderComparison', [compare])).toEqual([compare]);
    expect(validateArgs('listRunAdapters', ['/art/ink/runs/ink-1'])).toEqual(['/art/ink/runs/ink-1']);
  });

  it('names the bad column, and refuses empty or oversized grids', () => {
    const badColumn = { ...compare, columns: [{ label: 'x', lora: { path: '/a', strength: 9 } }] };
    expect(invalidArgumentMessage(() => validateArgs('renderComparison', [badColumn]))).toMatch(
      /columns\[0\] .*strength must be a number from -4 to 4/,
    );
    expect(
      invalidArgumentMessage(() => validateArgs('renderComparison', [{ ...compare, prompts: [] }])),
    ).toMatch(/at least one prompt/);
    const many = { ...compare, prompts: Array.from({ length: 40 }, (_, i) => `p${i}`) };
    expect(invalidArgumentMessage(() => validateArgs('renderComparison', [many]))).toMatch(
      /80 images; at most 64/,
    );
  });
});

describe('listDirectory', () => {
  it('shows models or images, nothing else', () => {
    expect(validateArgs('listDirectory', ['/refs', 'images'])).toEqual(['/refs', 'images']);
    expect(invalidArgumentMessage(() => validateArgs('listDirectory', ['/refs', 'videos']))).toMatch(
      /models, images/,
    );
  });
});

describe('training argument rows', () => {
  it('has a row for every training method', () => {
    expect(Object.keys(TRAINING_ARG_SPECS)).toHaveLength(14);
    expect(validateArgs('checkCompatibility', ['/r/a.safetensors', '/m/sd15.safetensors'])).toHaveLength(2);
    expect(() => validateArgs('checkCompatibility', ['/r/a.safetensors'])).toThrow('modelPath is required');
    expect(GENERATE_SAMPLERS).toContain('dpmpp_2m_karras');
  });

  it('passes well-formed requests unchanged', () => {
    expect(validateArgs('planTraining', [train])).toEqual([train]);
    expect(validateArgs('startTraining', [{ ...train, runDir: '/art/ink/runs/ink-1' }])).toHaveLength(1);
    expect(
      validateArgs('generateImage', [{ ...generate, lora: { path: '/r/a.safetensors', strength: 0.5 } }]),
    ).toHaveLength(1);
    expect(
      validateArgs('exportAdapter', [{ ...exporting, triggerWords: ['ink'], title: 'Ink' }]),
    ).toHaveLength(1);
    expect(validateArgs('controlJob', ['job-1', 'restart'])).toEqual(['job-1', 'restart']);
    expect(validateArgs('listJobs', [])).toEqual([]);
    expect(validateArgs('listSamples', ['/r'])).toEqual(['/r']);
  });

  it('names the field that is wrong', () => {
    expect(invalidArgumentMessage(() => validateArgs('planTraining', [{ ...train, runsDir: 3 }]))).toBe(
      'planTraining: request runsDir must be a string, got number.',
    );
    expect(
      invalidArgumentMessage(() => validateArgs('startTraining', [{ ...train, config: { rank: [1] } }])),
    ).toMatch(/config \.rank must be a number, text or true\/false/);
    expect(
      invalidArgumentMessage(() => validateArgs('startTraining', [{ ...train, samplePrompts: 'a' }])),
    ).toMatch(/samplePrompts must be an array of strings/);
    expect(
      invalidArgumentMessage(() => validateArgs('generateImage', [{ ...generate, sampler: 'heun' }])),
    ).toMatch(/sampler must be one of euler, euler_a/);
    expect(
      invalidArgumentMessage(() => validateArgs('generateImage', [{ ...generate, steps: 0.5 }])),
    ).toMatch(/steps must be a whole number from 1 to 200/);
    expect(
      invalidArgumentMessage(() => validateArgs('generateImage', [{ ...generate, lora: { path: '/a' } }])),
    ).toMatch(/lora strength is required/);
    expect(
      invalidArgumentMessage(() => validateArgs('exportAdapter', [{ ...exporting, format: 'ckpt' }])),
    ).toMatch(/format must be one of kohya, peft/);
    expect(
      invalidArgumentMessage(() =>
        validateArgs('exportAdapter', [{ ...exporting, mergeInto: { modelPath: '/m' } }]),
      ),
    ).toMatch(/mergeInto outPath is required/);
    expect(invalidArgumentMessage(() => validateArgs('controlJob', ['job-1', 'delete']))).toMatch(
      /action must be one of/,
    );
    expect(invalidArgumentMessage(() => validateArgs('exportAdapter', [null]))).toBe(
      'exportAdapter: request must be an object.',
    );
  });
});
