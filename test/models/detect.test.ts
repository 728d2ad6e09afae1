import { describe, expect, it } from 'vitest';
import {
  checkpointStructure,
  detectCheckpoint,
  detectDiffusers,
  DIFFUSERS_FAMILY_SIGNATURES,
  FAMILY_SIGNATURES,
  matchConfig,
  PREDICTION_SIGNATURES,
  VARIANT_SIGNATURES,
  type KeyTable,
} from '../../src-main/models/detect';
import { FAMILIES } from '../../src-main/models/families';
import { diffusersUNetConfig, schedulerConfig, modelIndex } from '../../src-main/models/keymap/diffusers';
import { singleFileTable, without, type Table } from './key-tables';

const TE_PREFIXES = ['cond_stage_model.', 'conditioner.'];

function rowOf<S>(table: readonly { test: (s: S) => boolean }[], s: S): number {
  return table.findIndex((r) => r.test(s));
}

function renamed(table: Table, from: string, to: string): Table {
  return new Map([...table].map(([k, v]) => [k.startsWith(from) ? to + k.slice(from.length) : k, v]));
}

function withInChannels(table: Table, n: number): Table {
  const copy = new Map(table);
  const key = 'model.diffusion_model.input_blocks.0.0.weight';
  const shape = copy.get(key)?.shape ?? [];
  copy.set(key, { shape: [shape[0], n, 3, 3] });
  return copy;
}

describe('single-file family signatures: each row matched by the file it describes', () => {
  const unetOnly = (id: 'sd1' | 'sd2' | 'sdxl' | 'sdxl-refiner') =>
    without(singleFileTable(id), ...TE_PREFIXES);
  const cases: [string, KeyTable, number][] = [
    ['SDXL base', singleFileTable('sdxl'), 0],
    ['SDXL refiner', singleFileTable('sdxl-refiner'), 1],
    ['SD2', singleFileTable('sd2'), 2],
    ['SD1', singleFileTable('sd1'), 3],
    [
      'SD1 without text_model.',
      renamed(
        singleFileTable('sd1'),
        'cond_stage_model.transformer.text_model.',
        'cond_stage_model.transformer.',
      ),
      4,
    ],
    ['SDXL UNet only', unetOnly('sdxl'), 5],
    ['refiner UNet only', unetOnly('sdxl-refiner'), 6],
    ['SD2 UNet only', unetOnly('sd2'), 7],
    ['SD1 UNet only', unetOnly('sd1'), 8],
  ];
  it.each(cases)('%s → row %i', (_, table, row) => {
    expect(rowOf(FAMILY_SIGNATURES, checkpointStructure(table))).toBe(row);
  });
  it('covers every row', () => {
    expect(new Set(cases.map((c) => c[2])).size).toBe(FAMILY_SIGNATURES.length);
  });
});

describe('detectCheckpoint', () => {
  it.each([
    ['sd1', 'sd1', 'epsilon'],
    ['sdxl', 'sdxl', 'epsilon'],
    ['sdxl-refiner', 'sdxl-refiner', 'epsilon'],
    ['tiny-sd1', 'sd1', 'epsilon'],
    ['tiny-sdxl', 'sdxl', 'epsilon'],
  ] as const)('full key list of %s → %s', (id, family, prediction) => {
    const d = detectCheckpoint(singleFileTable(id));
    expect(d).toMatchObject({
      layout: 'single-file',
      family,
      configId: id,
      prediction,
      variant: 'normal',
      warnings: [],
    });
    expect(d.evidence.length).toBeGreaterThan(1);
  });

  it('guesses v for an SD2 file that records nothing, and says so', () => {
    const d = detectCheckpoint(singleFileTable('sd2'));
    expect(d).toMatchObject({ family: 'sd2-v', prediction: 'v', configId: 'sd2-v' });
    expect(d.evidence.join('\n')).toMatch(/guess/);
    expect(d.warnings.join('\n')).toMatch(/guess/);
    const at512 = detectCheckpoint(singleFileTable('sd2'), { 'modelspec.resolution': '512x512' });
    expect(at512).toMatchObject({ family: 'sd2', prediction: 'epsilon', configId: 'sd2' });
  });

  it('honours modelspec.prediction_type over the guess', () => {
    expect(
      detectCheckpoint(singleFileTable('sd2'), { 'modelspec.prediction_type': 'epsilon' }),
    ).toMatchObject({ family: 'sd2', prediction: 'epsilon' });
    expect(
      detectCheckpoint(singleFileTable('tiny-sd2'), { 'modelspec.prediction_type': 'epsilon' }),
    ).toMatchObject({ family: 'sd2', configId: 'tiny-sd2' });
  });

  it('reports unknown for keys of no model', () => {
    const d = detectCheckpoint(new Map([['foo.weight', { shape: [1] }]]));
    expect(d).toMatchObject({ family: 'unknown', configId: null, prediction: 'unknown' });
  });

  it('refuses a known family whose shapes do not make one UNet', () => {
    const sd1 = singleFileTable('sd1');
    sd1.set('model.diffusion_model.input_blocks.0.0.weight', { shape: [256, 4, 3, 3] });
    const d = detectCheckpoint(sd1);
    expect(d).toMatchObject({ family: 'sd1', architecture: null });
    expect(d.refusal).toMatch(/conv_in makes 256 channels, its first level has 320/);
  });
});

describe('variant and prediction signatures', () => {
  it('inpaint (9 channels) and ip2p (8 channels)', () => {
    const sd1 = singleFileTable('sd1');
    expect(rowOf(VARIANT_SIGNATURES, checkpointStructure(withInChannels(sd1, 9)))).toBe(0);
    expect(rowOf(VARIANT_SIGNATURES, checkpointStructure(withInChannels(sd1, 8)))).toBe(1);
    expect(detectCheckpoint(withInChannels(singleFileTable('sdxl'), 9))).toMatchObject({
      family: 'sdxl',
      variant: 'inpaint',
    });
    expect(detectCheckpoint(sd1).variant).toBe('normal');
  });

  it.each([
    [{ 'modelspec.prediction_type': 'v' }, false, 0],
    [{ 'modelspec.prediction_type': 'epsilon' }, false, 1],
    [{}, true, 2],
    [{ 'modelspec.architecture': 'stable-diffusion-v2-768-v' }, false, 3],
  ])('metadata %j with v_pred key %s → row %i', (metadata, vPred, row) => {
    const table = singleFileTable('sdxl');
    if (vPred) table.set('v_pred', { shape: [] });
    expect(rowOf(PREDICTION_SIGNATURES, checkpointStructure(table, metadata))).toBe(row);
  });

  it('reads a v_pred SDXL as v-prediction', () => {
    const table = singleFileTable('sdxl');
    table.set('v_pred', { shape: [] });
    expect(detectCheckpoint(table)).toMatchObject({ family: 'sdxl', prediction: 'v' });
  });
});

describe('diffusers folders', () => {
  const files = (id: keyof typeof FAMILIES) => ({
    unet: diffusersUNetConfig(FAMILIES[id].unet),
    scheduler: schedulerConfig(FAMILIES[id]),
    modelIndex: modelIndex(FAMILIES[id]),
  });

  it.each([
    ['sdxl', 0],
    ['sdxl-refiner', 1],
    ['sd2', 2],
    ['sd1', 3],
  ] as const)('%s unet/config.json → row %i', (id, row) => {
    expect(rowOf(DIFFUSERS_FAMILY_SIGNATURES, files(id).unet)).toBe(row);
    expect(detectDiffusers(files(id))).toMatchObject({ layout: 'diffusers', family: id, configId: id });
  });

  it('reads v-prediction from the scheduler and inpainting from in_channels', () => {
    expect(detectDiffusers(files('sd2-v'))).toMatchObject({
      family: 'sd2-v',
      prediction: 'v',
      configId: 'sd2-v',
    });
    const inpaint = { ...files('sd1'), unet: { ...files('sd1').unet, in_channels: 9 } };
    expect(detectDiffusers(inpaint).variant).toBe('inpaint');
    expect(detectDiffusers({ unet: files('sd1').unet }).evidence.join('\n')).toMatch(/no prediction_type/);
  });

  it('recognises tiny configs by their whole structure', () => {
    expect(detectDiffusers(files('tiny-sd1'))).toMatchObject({ family: 'sd1', configId: 'tiny-sd1' });
    expect(detectDiffusers(files('tiny-sdxl'))).toMatchObject({ family: 'sdxl', configId: 'tiny-sdxl' });
    expect(detectDiffusers({ unet: { cross_attention_dim: 77 } })).toMatchObject({
      family: 'unknown',
      configId: null,
    });
  });

  it('matchConfig prefers the config with the detected prediction', () => {
    expect(matchConfig('sd2', 'v', () => true)).toBe('sd2-v');
    expect(matchConfig('sd2', 'epsilon', () => true)).toBe('sd2');
    expect(matchConfig('unknown', 'v', () => true)).toBeNull();
  });
});
