import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src-main/train/config';
import { settingsWarnings } from '../../src-main/train/config-warnings';

const run = { totalSteps: 1000, nativeResolution: 512 };

describe('settingsWarnings', () => {
  it('finds nothing to say about the defaults on a long run', () => {
    expect(settingsWarnings({ ...DEFAULT_CONFIG }, run)).toEqual([]);
  });

  it('warns when warm-up lasts the whole run, unless the schedule has none', () => {
    const short = { totalSteps: 40, nativeResolution: 512 };
    const [warning] = settingsWarnings({ ...DEFAULT_CONFIG, sampleEverySteps: 10 }, short);
    expect(warning).toMatch(/^Warm-up \(50 steps\) is as long as the whole run \(40 steps\).*below 40/);
    expect(
      settingsWarnings({ ...DEFAULT_CONFIG, sampleEverySteps: 10, lrSchedule: 'constant' }, short),
    ).toEqual([]);
  });

  it("warns about a resolution above the model's size, a large rank and alpha above rank", () => {
    const warnings = settingsWarnings({ ...DEFAULT_CONFIG, resolution: 768, rank: 128, alpha: 200 }, run);
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toContain("above the model's own size (512 px)");
    expect(warnings[1]).toMatch(/^Rank 128 /);
    expect(warnings[2]).toMatch(/^Alpha \(200\) above Rank \(128\)/);
    expect(
      settingsWarnings({ ...DEFAULT_CONFIG, resolution: 768 }, { ...run, nativeResolution: null }),
    ).toEqual([]);
  });

  it('warns when previews come less often than the run is long', () => {
    expect(
      settingsWarnings({ ...DEFAULT_CONFIG, sampleEverySteps: 250 }, { ...run, totalSteps: 200 }),
    ).toEqual([
      'Preview every 250 steps: the run ends at 200, so it makes no previews. Lower Preview every.',
    ]);
  });
});
