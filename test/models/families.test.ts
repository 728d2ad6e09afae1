import { describe, expect, it } from 'vitest';
import {
  attentionHeads,
  FAMILIES,
  FAMILY_IDS,
  familyConfig,
  timeEmbedDim,
} from '../../src-main/models/families';

describe('family configs', () => {
  it('gives the reference numbers for the full-size families', () => {
    expect(familyConfig('sd1').unet.crossAttentionDim).toBe(768);
    expect(familyConfig('sd2').unet.useLinearProjection).toBe(true);
    expect(familyConfig('sd2-v').prediction).toBe('v');
    expect(familyConfig('sdxl').unet.addition?.inputDim).toBe(2816);
    expect(familyConfig('sdxl-refiner').unet.addition?.inputDim).toBe(2560);
    expect(familyConfig('sdxl').vae.scalingFactor).toBe(0.13025);
    expect(familyConfig('sd1').vae.scalingFactor).toBe(0.18215);
  });

  it('derives heads from the SD1 head count and the SD2/SDXL head width', () => {
    expect([0, 1, 2].map((l) => attentionHeads(FAMILIES.sd1.unet, l))).toEqual([8, 8, 8]);
    expect([0, 1, 2, 3].map((l) => attentionHeads(FAMILIES.sd2.unet, l))).toEqual([5, 10, 20, 20]);
    expect([0, 1, 2].map((l) => attentionHeads(FAMILIES.sdxl.unet, l))).toEqual([5, 10, 20]);
    expect(timeEmbedDim(FAMILIES.sd1.unet)).toBe(1280);
    expect(timeEmbedDim(FAMILIES['sdxl-refiner'].unet)).toBe(1536);
  });

  it.each(FAMILY_IDS)('%s is self-consistent', (id) => {
    const f = FAMILIES[id];
    const u = f.unet;
    expect(f.id).toBe(id);
    // The UNet's context is the concatenation of the text encoders' hidden states.
    expect(u.crossAttentionDim).toBe(f.textEncoders.reduce((n, t) => n + t.hidden, 0));
    const pooled = f.textEncoders.at(-1)?.projectionDim ?? 0;
    if (u.addition)
      expect([5, 6].map((n) => pooled + n * (u.addition?.timeEmbedDim ?? 0))).toContain(u.addition.inputDim);
    for (const [level, c] of u.blockOutChannels.entries()) {
      expect(c % u.normGroups).toBe(0);
      expect(Number.isInteger(attentionHeads(u, level))).toBe(true);
      expect(u.transformerDepth[level] > 0).toBe(u.attention[level]);
    }
    for (const c of f.vae.blockOutChannels) expect(c % f.vae.normGroups).toBe(0);
    for (const t of f.textEncoders) expect(t.hidden % t.heads).toBe(0);
    expect([u.attention.length, u.transformerDepth.length]).toEqual([
      u.blockOutChannels.length,
      u.blockOutChannels.length,
    ]);
  });

  it('keeps tiny configs structurally equal to their full-size family', () => {
    for (const [tiny, full] of [
      ['tiny-sd1', 'sd1'],
      ['tiny-sd2', 'sd2'],
      ['tiny-sdxl', 'sdxl'],
    ] as const) {
      const t = FAMILIES[tiny];
      const f = FAMILIES[full];
      expect(t.family).toBe(f.family);
      expect(t.unet.useLinearProjection).toBe(f.unet.useLinearProjection);
      expect(t.unet.layersPerBlock).toBe(f.unet.layersPerBlock);
      expect(t.unet.headRule.kind).toBe(f.unet.headRule.kind);
      expect(t.unet.addition === null).toBe(f.unet.addition === null);
      expect(t.textEncoders.map((e) => [e.kind, e.component, e.ldmPrefix, e.act, e.vocab])).toEqual(
        f.textEncoders.map((e) => [e.kind, e.component, e.ldmPrefix, e.act, e.vocab]),
      );
    }
    expect(Math.max(...FAMILIES['tiny-sdxl'].unet.transformerDepth)).toBeGreaterThan(1);
  });
});
