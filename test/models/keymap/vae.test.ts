import { describe, expect, it } from 'vitest';
import { FAMILIES, FAMILY_IDS } from '../../../src-main/models/families';
import { paramCount } from '../../../src-main/models/keymap/params';
import {
  diffusersToLdmVAE,
  ldmToDiffusersVAE,
  vaeKeys,
  vaeParamPairs,
} from '../../../src-main/models/keymap/vae';

describe('VAE key lists', () => {
  it('add up to the published 83,653,863 parameters', () => {
    expect(paramCount(vaeKeys(FAMILIES.sd1.vae, 'ldm'))).toBe(83_653_863);
    expect(paramCount(vaeKeys(FAMILIES.sdxl.vae, 'diffusers'))).toBe(83_653_863);
  });

  it.each(FAMILY_IDS)('%s: LDM → diffusers → LDM is the identity', (id) => {
    const there = ldmToDiffusersVAE(FAMILIES[id].vae);
    const back = diffusersToLdmVAE(FAMILIES[id].vae);
    const ldm = vaeKeys(FAMILIES[id].vae, 'ldm');
    expect(there.size).toBe(ldm.length);
    for (const { key } of ldm) expect(back.get(there.get(key) ?? '')).toBe(key);
  });

  it('reverses decoder levels and turns the 1×1 attention convs into linears', () => {
    const map = ldmToDiffusersVAE(FAMILIES.sd1.vae);
    expect(map.get('decoder.up.0.block.2.conv2.weight')).toBe('decoder.up_blocks.3.resnets.2.conv2.weight');
    expect(map.get('decoder.up.3.upsample.conv.weight')).toBe('decoder.up_blocks.0.upsamplers.0.conv.weight');
    expect(map.get('encoder.down.1.block.0.nin_shortcut.weight')).toBe(
      'encoder.down_blocks.1.resnets.0.conv_shortcut.weight',
    );
    expect(map.get('encoder.norm_out.weight')).toBe('encoder.conv_norm_out.weight');
    const q = vaeParamPairs(FAMILIES.sd1.vae).find((p) => p.ldm === 'decoder.mid.attn_1.proj_out.weight');
    expect(q).toMatchObject({
      diffusers: 'decoder.mid_block.attentions.0.to_out.0.weight',
      ldmShape: [512, 512, 1, 1],
      diffusersShape: [512, 512],
    });
    expect(map.has('decoder.up.0.upsample.conv.weight')).toBe(false);
  });
});
