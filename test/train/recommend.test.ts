import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src-main/train/config';
import { MAX_STEPS, MIN_STEPS, recommendSettings } from '../../src-main/train/recommend';

describe('recommendSettings', () => {
  it('picks the preset of the model family', () => {
    const pick = (family: string) =>
      recommendSettings({ family, images: 10, nativeResolution: null })?.presetId;
    expect(pick('sd1')).toBe('sd15-style');
    expect(pick('sd2')).toBe('sd2-style');
    expect(pick('sd2-v')).toBe('sd2-style');
    expect(pick('sdxl')).toBe('sdxl-style');
    expect(recommendSettings({ family: 'unknown', images: 10, nativeResolution: null })).toBeNull();
    expect(recommendSettings({ family: 'sdxl-refiner', images: 10, nativeResolution: null })).toBeNull();
  });

  it('scales the run with the dataset, within bounds, with a warm-up shorter than the run', () => {
    const steps = (images: number) =>
      recommendSettings({ family: 'sd1', images, nativeResolution: 512 })!.config.maxSteps;
    expect(steps(3)).toBe(MIN_STEPS);
    expect(steps(12)).toBe(1200);
    expect(steps(500)).toBe(MAX_STEPS);
    for (const images of [0, 1, 12, 500]) {
      const { config } = recommendSettings({ family: 'sd1', images, nativeResolution: 512 })!;
      expect(config.warmupSteps).toBeLessThan(config.maxSteps!);
      expect(config.sampleEverySteps).toBeLessThanOrEqual(config.maxSteps!);
    }
  });

  it("trains at the model's own size, or the preset's when unknown", () => {
    expect(recommendSettings({ family: 'sd1', images: 5, nativeResolution: 64 })!.config.resolution).toBe(64);
    expect(recommendSettings({ family: 'sdxl', images: 5, nativeResolution: null })!.config.resolution).toBe(
      1024,
    );
  });

  it('explains itself and yields a valid config', () => {
    const rec = recommendSettings({ family: 'sd1', images: 1, nativeResolution: 512 })!;
    expect(rec.reason).toMatch(/^SD1\.5 style for 1 image: 400 steps \(the least that learns a style\)/);
    expect(() => resolveConfig(rec.config, rec.presetId)).not.toThrow();
    expect(recommendSettings({ family: 'sd1', images: 12, nativeResolution: 512 })!.reason).toContain(
      '12 images: 1200 steps (100 per image)',
    );
  });
});
