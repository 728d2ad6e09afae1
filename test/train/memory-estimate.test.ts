import { describe, expect, it } from 'vitest';
import { estimateTrainingMemory } from '../../src-main/train/memory-estimate';

const base = {
  batchSize: 1,
  resolution: 256,
  precision: 'fp32' as const,
  gradientCheckpointing: false,
  optimizer: 'adamw' as const,
};

describe('estimateTrainingMemory', () => {
  it('reproduces the measured SD1.5 figure it is scaled from, and moves the right way with each setting', () => {
    const sd15 = { unetParams: 859_520_964, loraParams: 3_188_736 };
    const at256 = estimateTrainingMemory({ ...sd15, config: base });
    expect(at256 / 2 ** 30).toBeGreaterThan(7.5);
    expect(at256 / 2 ** 30).toBeLessThan(8.7); // bench: 8.6 GiB peak RSS for the whole process
    const at512 = estimateTrainingMemory({ ...sd15, config: { ...base, resolution: 512 } });
    expect(at512).toBeGreaterThan(at256 * 2);
    expect(
      estimateTrainingMemory({ ...sd15, config: { ...base, gradientCheckpointing: true } }),
    ).toBeLessThan(at256);
    expect(estimateTrainingMemory({ ...sd15, config: { ...base, precision: 'fp16' } })).toBeLessThan(
      at256 * 0.6,
    );
    expect(estimateTrainingMemory({ ...sd15, config: { ...base, batchSize: 2 } })).toBeGreaterThan(
      at256 * 1.5,
    );
  });
});
