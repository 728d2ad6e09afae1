import { describe, expect, it } from 'vitest';
import { FAMILIES } from '../../../src-main/models/families';
import { clipKeys } from '../../../src-main/models/keymap/clip';
import { hfToOpenCLIP, openclipKeys, openclipParams } from '../../../src-main/models/keymap/openclip';
import { paramCount } from '../../../src-main/models/keymap/params';

describe('OpenCLIP ↔ HF', () => {
  it.each(['sd2', 'sdxl', 'sdxl-refiner', 'tiny-sd2', 'tiny-sdxl'] as const)(
    '%s: the OpenCLIP parts produce exactly the diffusers text-encoder keys with their shapes',
    (id) => {
      const te = FAMILIES[id].textEncoders.find((t) => t.kind === 'openclip');
      if (!te) throw new Error('no OpenCLIP encoder');
      const map = hfToOpenCLIP(te);
      const hf = clipKeys(te);
      expect(new Set(map.keys())).toEqual(new Set(hf.map((k) => k.key)));
      for (const k of hf) expect(map.get(k.key)?.hfShape).toEqual(k.shape);
    },
  );

  it('splits in_proj into q/k/v rows and transposes text_projection back and forth', () => {
    const te = FAMILIES.sdxl.textEncoders[1];
    const map = hfToOpenCLIP(te);
    expect(map.get('text_model.encoder.layers.3.self_attn.k_proj.weight')).toMatchObject({
      openclip: 'transformer.resblocks.3.attn.in_proj_weight',
      rows: [1280, 2560],
    });
    expect(map.get('text_model.encoder.layers.3.self_attn.v_proj.bias')).toMatchObject({
      openclip: 'transformer.resblocks.3.attn.in_proj_bias',
      rows: [2560, 3840],
    });
    expect(map.get('text_projection.weight')).toMatchObject({ openclip: 'text_projection', transpose: true });
    // Round trip: the row slices of each OpenCLIP tensor tile it exactly once.
    for (const p of openclipParams(te).filter((x) => x.parts.length > 1)) {
      const rows = p.parts.map((part) => part.rows ?? [0, 0]).sort((a, b) => a[0] - b[0]);
      expect(rows[0][0]).toBe(0);
      expect(rows.at(-1)?.[1]).toBe(p.shape[0]);
      for (let i = 1; i < rows.length; i++) expect(rows[i][0]).toBe(rows[i - 1][1]);
    }
  });

  it('drops what diffusers drops: SD2 block 23, logit_scale, SD2 projection', () => {
    const te = FAMILIES.sd2.textEncoders[0];
    const dropped = openclipParams(te)
      .filter((p) => p.parts.length === 0)
      .map((p) => p.key);
    expect(dropped).toContain('transformer.resblocks.23.attn.in_proj_weight');
    expect(dropped).toContain('logit_scale');
    expect(dropped).toContain('text_projection');
    expect(dropped).not.toContain('transformer.resblocks.22.ln_1.weight');
    expect(paramCount(openclipKeys(FAMILIES.sdxl.textEncoders[1]))).toBe(694_659_841);
  });
});
