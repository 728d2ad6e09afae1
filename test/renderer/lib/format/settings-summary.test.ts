import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, PRESETS } from '../../../../src-main/train/config';
import { settingsSummary } from '../../../../src-renderer/lib/format/settings-summary';

describe('settingsSummary', () => {
  it('names the preset and the numbers that shape the run', () => {
    const preset = PRESETS.find((p) => p.id === 'sd15-style')!;
    expect(settingsSummary({ ...DEFAULT_CONFIG }, preset, 400)).toBe(
      'SD1.5 style · rank 16 · 512 px · 400 steps · learning rate 0.0001',
    );
  });

  it('falls back to max steps, then epochs, when the plan is not known', () => {
    expect(settingsSummary({ ...DEFAULT_CONFIG, maxSteps: 200 }, null, null)).toMatch(
      /^Custom settings · .* 200 steps/,
    );
    expect(settingsSummary({ ...DEFAULT_CONFIG }, null, null)).toContain('10 epochs');
  });
});
