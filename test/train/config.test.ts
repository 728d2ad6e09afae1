import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CONFIG,
  OPTIONS,
  PRESETS,
  recomputeMode,
  resolveConfig,
  validateConfig,
} from '../../src-main/train/config';
import { OPTION_GROUPS, withPreset } from '../../src-main/api/train-config';

describe('training options', () => {
  it('puts every option in one of the groups the Train screen shows, and leaves no group empty', () => {
    for (const spec of OPTIONS) expect(OPTION_GROUPS).toContain(spec.group);
    for (const group of OPTION_GROUPS) expect(OPTIONS.some((o) => o.group === group)).toBe(true);
  });

  it('describes every config field exactly once, with a one-line explanation', () => {
    const keys = OPTIONS.map((o) => o.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect([...keys].sort()).toEqual(Object.keys(DEFAULT_CONFIG).sort());
    for (const o of OPTIONS) expect(o.help).toMatch(/^[A-Z0-9a-z].{10,140}$/);
  });

  it('reads the two memory options as one recompute mode, checkpointing first', () => {
    expect(recomputeMode(DEFAULT_CONFIG)).toBe('none');
    expect(recomputeMode({ ...DEFAULT_CONFIG, recomputeAttention: true })).toBe('attention');
    expect(recomputeMode({ ...DEFAULT_CONFIG, gradientCheckpointing: true })).toBe('blocks');
    expect(recomputeMode({ ...DEFAULT_CONFIG, gradientCheckpointing: true, recomputeAttention: true })).toBe(
      'blocks',
    );
  });

  it('the defaults and every preset are valid', () => {
    expect(validateConfig({ ...DEFAULT_CONFIG })).toEqual([]);
    for (const p of PRESETS) expect(() => resolveConfig({}, p.id)).not.toThrow();
  });

  it('explains every out-of-bounds value at once, naming the option', () => {
    const bad = {
      ...DEFAULT_CONFIG,
      rank: 0,
      learningRate: -1,
      optimizer: 'sgd' as 'adamw',
      timestepMin: 900,
      timestepMax: 100,
    };
    const problems = validateConfig(bad);
    expect(problems).toEqual(
      expect.arrayContaining([
        'Rank must be between 1 and 256 (got 0).',
        expect.stringMatching(/^Learning rate must be between/),
        'Optimizer must be one of adamw, prodigy.',
        'Min timestep must be below max timestep.',
      ]),
    );
    expect(() => resolveConfig({ rank: 2.5 })).toThrow(/Rank must be a whole number/);
  });

  it('layers defaults < preset < explicit choices', () => {
    const c = resolveConfig({ rank: 4 }, 'quick-test');
    expect(c.rank).toBe(4);
    expect(c.maxSteps).toBe(200);
    expect(c.optimizer).toBe('adamw');
    expect(() => resolveConfig({}, 'nope')).toThrow(/unknown preset "nope"/);
  });

  it('merges defaults, then a preset, then explicit choices (the one merge the services and the Train screen use)', () => {
    const sdxl = PRESETS.find((p) => p.id === 'sdxl-style')!;
    const config = withPreset(DEFAULT_CONFIG, sdxl, { rank: 4 });
    expect(config.resolution).toBe(1024); // the preset's
    expect(config.rank).toBe(4); // the explicit choice beats the preset's 16
    expect(config.optimizer).toBe(DEFAULT_CONFIG.optimizer); // untouched by both
    expect(withPreset(DEFAULT_CONFIG, undefined)).toEqual(DEFAULT_CONFIG);
    expect(resolveConfig({ rank: 4 }, 'sdxl-style')).toEqual(config);
  });
});
