import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src-main/train/config';
import {
  captionTags,
  datasetDirs,
  folderOf,
  tagFrequency,
  trainingFacts,
  triggerPhrase,
} from '../../src-main/train/run-metadata';

const items = [
  {
    id: '10_ink/a.png',
    caption: 'Ink Style, cat,  , night',
    repeats: 10,
    bucket: { width: 512, height: 512 },
  },
  { id: '10_ink/b.png', caption: 'ink style, dog', repeats: 10, bucket: { width: 576, height: 448 } },
  { id: 'c.png', caption: 'ink style', repeats: 1, bucket: { width: 512, height: 512 } },
];

describe('run metadata', () => {
  it('keys folders as kohya does and counts tags once per image', () => {
    expect(folderOf('/p/dataset', items[0])).toBe('10_ink');
    expect(folderOf('/p/dataset', items[2])).toBe('dataset');
    expect(captionTags(' A, b ,,c ')).toEqual(['a', 'b', 'c']);
    expect(tagFrequency('/p/dataset', items)).toEqual({
      '10_ink': { 'ink style': 2, cat: 1, night: 1, dog: 1 },
      dataset: { 'ink style': 1 },
    });
    expect(datasetDirs('/p/dataset', items)).toEqual({
      '10_ink': { n_repeats: 10, img_count: 2 },
      dataset: { n_repeats: 1, img_count: 1 },
    });
  });

  it('names a trigger phrase only when every caption keeps the same first tag', () => {
    expect(triggerPhrase({ keepTokens: 1 }, items)).toBe('ink style');
    expect(triggerPhrase({ keepTokens: 0 }, items)).toBeUndefined();
    expect(triggerPhrase({ keepTokens: 1 }, [...items, { caption: 'other' }])).toBeUndefined();
  });

  it("describes the run's settings and progress", () => {
    const config = {
      ...DEFAULT_CONFIG,
      epochs: 3,
      gradientAccumulation: 2,
      minSnrGamma: 0,
      precision: 'fp16' as const,
    };
    const facts = trainingFacts(config, { batchesPerEpoch: 10, items, datasetDir: '/p/dataset', steps: 7 });
    expect(facts).toMatchObject({
      steps: 7,
      epoch: 2,
      numEpochs: 3,
      maxTrainSteps: 15,
      minSnrGamma: null,
      mixedPrecision: 'fp16',
      numTrainImages: 21,
    });
    expect(facts.optimizer).toBe('AdamW(weight_decay=0.01,betas=(0.9, 0.999),eps=1e-08)');
    expect(facts.sdModelHash).toBeUndefined();
    expect(facts.buckets).toEqual({
      minSide: 256,
      maxSide: 1024,
      counts: [
        { resolution: [512, 512], count: 11 },
        { resolution: [576, 448], count: 10 },
      ],
    });
  });
});
