import { describe, expect, it } from 'vitest';
import { FAMILIES } from '../../../src-main/models/families';
import { clipKeys, clipLayerKeys } from '../../../src-main/models/keymap/clip';
import { paramCount } from '../../../src-main/models/keymap/params';

describe('HF CLIP key lists', () => {
  it('CLIP-L adds up to 123,060,480 parameters', () => {
    const keys = clipKeys(FAMILIES.sd1.textEncoders[0]);
    expect(paramCount(keys)).toBe(123_060_480);
    expect(keys).toHaveLength(196);
    expect(keys.some((k) => k.key === 'text_projection.weight')).toBe(false);
  });

  it('SDXL text_encoder_2 keeps 32 layers and the projection; SD2 keeps 23 layers', () => {
    const bigG = clipKeys(FAMILIES.sdxl.textEncoders[1]);
    expect(bigG.find((k) => k.key === 'text_projection.weight')?.shape).toEqual([1280, 1280]);
    expect(bigG.some((k) => k.key.startsWith('text_model.encoder.layers.31.'))).toBe(true);
    const h = clipKeys(FAMILIES.sd2.textEncoders[0]);
    expect(h.some((k) => k.key.startsWith('text_model.encoder.layers.22.'))).toBe(true);
    expect(h.some((k) => k.key.startsWith('text_model.encoder.layers.23.'))).toBe(false);
    expect(
      clipLayerKeys(FAMILIES.sd1.textEncoders[0], 0).find((k) => k.key.endsWith('mlp.fc1.weight'))?.shape,
    ).toEqual([3072, 768]);
  });
});
