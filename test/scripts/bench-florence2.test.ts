import { describe, expect, it } from 'vitest';
import { benchFlorence2, florence2BenchLines } from '../../scripts/bench-florence2';

describe('benchFlorence2', () => {
  it('captions real 768×768 inputs with the tiny model and reports throughput', async () => {
    const r = await benchFlorence2(2, { task: 'caption', beams: 2, maxNewTokens: 6 }, 1);
    expect(r).toMatchObject({ images: 2, beams: 2, maxNewTokens: 6 });
    expect(r.seconds).toBeGreaterThan(0);
    expect(r.imagesPerSecond).toBeCloseTo(2 / r.seconds, 6);
    expect(florence2BenchLines(r)[1]).toMatch(/^ {2}\d+\.\d\d images\/s \(2 images in \d+\.\d\d s\)$/);
  });
});
