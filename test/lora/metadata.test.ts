// ss_* / modelspec strings: Python str() spellings, per-family values from
// docs/reference/lora-formats.md#kohya-metadata, #modelspec, all values strings.
import { describe, expect, it } from 'vitest';
import {
  buildKohyaMetadata,
  familyFromMetadata,
  isoLocal,
  pyFloat,
  pyJson,
} from '../../src-main/lora/metadata';

describe('pyFloat (Python repr of a float)', () => {
  it.each([
    [8, '8.0'],
    [0.0001, '0.0001'],
    [1e-5, '1e-05'],
    [1718000000.123, '1718000000.123'],
    [1e16, '1e+16'],
    [1e15, '1000000000000000.0'],
    [-2.5, '-2.5'],
    [0, '0.0'],
    [0.1 + 0.2, '0.30000000000000004'],
  ])('%s → %s', (x, text) => expect(pyFloat(x)).toBe(text));
});

describe('pyJson (json.dumps defaults)', () => {
  it('uses spaced separators and escapes non-ASCII', () => {
    expect(pyJson({ '10_foo': { '1girl': 20, café: 1 } })).toBe('{"10_foo": {"1girl": 20, "caf\\u00e9": 1}}');
    expect(pyJson([1, 'a'])).toBe('[1, "a"]');
  });
});

describe('buildKohyaMetadata', () => {
  const t0 = 1718000000.5;

  it('SD1: every value a string, kohya spellings', () => {
    const m = buildKohyaMetadata({
      family: 'sd1',
      rank: 16,
      alpha: 8,
      outputName: 'style',
      trainingStartedAt: t0,
      tagFrequency: { '10_style': { '1girl': 3 } },
      sdModelName: 'v1-5-pruned.safetensors',
    });
    expect(Object.values(m).every((v) => typeof v === 'string')).toBe(true);
    expect(m).toMatchObject({
      ss_network_module: 'networks.lora',
      ss_network_dim: '16',
      ss_network_alpha: '8.0',
      ss_v2: 'False',
      ss_base_model_version: 'sd_v1',
      ss_output_name: 'style',
      ss_resolution: '(512, 512)',
      ss_training_started_at: '1718000000.5',
      ss_tag_frequency: '{"10_style": {"1girl": 3}}',
      ss_sd_model_name: 'v1-5-pruned.safetensors',
      'modelspec.sai_model_spec': '1.0.1',
      'modelspec.architecture': 'stable-diffusion-v1/lora',
      'modelspec.implementation': 'diffusers',
      'modelspec.title': 'style',
      'modelspec.resolution': '512x512',
      'modelspec.prediction_type': 'epsilon',
      'modelspec.date': isoLocal(t0),
    });
    expect(m.sshs_model_hash).toBeUndefined();
    expect(isoLocal(t0)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    const d = new Date(1718000000 * 1000);
    expect(isoLocal(t0)).toBe(isoLocal(1718000000)); // int(ts): fractions dropped
    expect(isoLocal(t0).slice(11)).toBe(
      [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':'),
    );
  });

  it('SDXL and SD2-v rows, hashes when given, and no PEFT config key', () => {
    const sha256 = 'ab'.repeat(32);
    const xl = buildKohyaMetadata(
      {
        family: 'sdxl',
        rank: 4,
        alpha: 4,
        outputName: 'x',
        extra: { lora_adapter_metadata: '{}', ss_seed: '42' },
      },
      { sha256 },
    );
    expect(xl).toMatchObject({
      ss_base_model_version: 'sdxl_base_v1-0',
      ss_v2: 'False',
      'modelspec.architecture': 'stable-diffusion-xl-v1-base/lora',
      'modelspec.implementation': 'https://github.com/Stability-AI/generative-models',
      'modelspec.resolution': '1024x1024',
      sshs_model_hash: sha256,
      'modelspec.hash_sha256': `0x${sha256}`,
      ss_seed: '42',
    });
    expect(xl.lora_adapter_metadata).toBeUndefined();
    const v = buildKohyaMetadata({ family: 'sd2-v', rank: 4, alpha: 1, outputName: 'v' });
    expect(v).toMatchObject({
      ss_v2: 'True',
      ss_base_model_version: 'sd_v2_v',
      'modelspec.prediction_type': 'v',
      'modelspec.resolution': '768x768',
    });
  });

  it('tiny test families use their public family; the refiner has no kohya spelling', () => {
    const tiny = buildKohyaMetadata({ family: 'tiny-sdxl', rank: 1, alpha: 1, outputName: 't' });
    expect(tiny).toMatchObject({ ss_base_model_version: 'sdxl_base_v1-0', 'modelspec.resolution': '64x64' });
    expect(() => buildKohyaMetadata({ family: 'sdxl-refiner', rank: 1, alpha: 1, outputName: 'r' })).toThrow(
      /no kohya metadata is known for sdxl-refiner/,
    );
  });

  it('rejects non-integer tag counts (A1111 parses them with int())', () => {
    expect(() =>
      buildKohyaMetadata({
        family: 'sd1',
        rank: 1,
        alpha: 1,
        outputName: 'a',
        tagFrequency: { d: { t: 1.5 } },
      }),
    ).toThrow(/not an integer/);
  });
});

describe('familyFromMetadata', () => {
  it('reads ss_base_model_version, then modelspec.architecture', () => {
    expect(familyFromMetadata({ ss_base_model_version: 'sdxl_base_v0-9' })).toBe('sdxl');
    expect(familyFromMetadata({ ss_base_model_version: 'sd_v2' })).toBe('sd2');
    expect(familyFromMetadata({ 'modelspec.architecture': 'stable-diffusion-v1/lora' })).toBe('sd1');
    expect(familyFromMetadata({})).toBeUndefined();
  });
});
