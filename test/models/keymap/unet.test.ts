import { describe, expect, it } from 'vitest';
import { FAMILIES, FAMILY_IDS } from '../../../src-main/models/families';
import { paramCount } from '../../../src-main/models/keymap/params';
import {
  diffusersToLdmUNet,
  ldmToDiffusersUNet,
  unetAttentionBlocks,
  unetKeys,
  unetParamPairs,
} from '../../../src-main/models/keymap/unet';

describe('UNet key lists', () => {
  it('add up to the published parameter counts (so the lists are complete)', () => {
    expect(paramCount(unetKeys(FAMILIES.sd1.unet, 'ldm'))).toBe(859_520_964);
    expect(paramCount(unetKeys(FAMILIES.sdxl.unet, 'ldm'))).toBe(2_567_463_684);
    expect(paramCount(unetKeys(FAMILIES.sd2.unet, 'diffusers'))).toBe(865_910_724);
    expect(unetKeys(FAMILIES.sd1.unet, 'ldm')).toHaveLength(686);
  });

  it.each(FAMILY_IDS)('%s: LDM → diffusers → LDM is the identity over every key', (id) => {
    const config = FAMILIES[id].unet;
    const there = ldmToDiffusersUNet(config);
    const back = diffusersToLdmUNet(config);
    const ldm = unetKeys(config, 'ldm').map((k) => k.key);
    expect(there.size).toBe(ldm.length); // no two LDM keys share a diffusers name
    expect(back.size).toBe(ldm.length);
    for (const key of ldm) expect(back.get(there.get(key) ?? '')).toBe(key);
    const shapes = unetParamPairs(config).filter((p) => String(p.ldmShape) !== String(p.diffusersShape));
    expect(shapes).toEqual([]);
  });

  it('places downsamplers and upsamplers as in the reference block indices', () => {
    const sd1 = ldmToDiffusersUNet(FAMILIES.sd1.unet);
    expect(sd1.get('input_blocks.3.0.op.weight')).toBe('down_blocks.0.downsamplers.0.conv.weight');
    expect(sd1.get('input_blocks.11.0.in_layers.2.weight')).toBe('down_blocks.3.resnets.1.conv1.weight');
    expect(sd1.get('output_blocks.2.1.conv.weight')).toBe('up_blocks.0.upsamplers.0.conv.weight');
    expect(sd1.get('output_blocks.8.2.conv.bias')).toBe('up_blocks.2.upsamplers.0.conv.bias');
    expect(sd1.get('middle_block.1.proj_in.weight')).toBe('mid_block.attentions.0.proj_in.weight');
    expect(sd1.get('time_embed.2.weight')).toBe('time_embedding.linear_2.weight');
    const sdxl = ldmToDiffusersUNet(FAMILIES.sdxl.unet);
    expect(sdxl.get('output_blocks.2.2.conv.weight')).toBe('up_blocks.0.upsamplers.0.conv.weight');
    expect(sdxl.get('input_blocks.6.0.op.weight')).toBe('down_blocks.1.downsamplers.0.conv.weight');
    expect(sdxl.get('label_emb.0.2.weight')).toBe('add_embedding.linear_2.weight');
    expect(sdxl.get('output_blocks.3.0.skip_connection.weight')).toBe(
      'up_blocks.1.resnets.0.conv_shortcut.weight',
    );
  });

  it('uses 1×1-conv proj_in for SD1 and linear for SD2/SDXL', () => {
    const shape = (id: 'sd1' | 'sd2', key: string) =>
      unetKeys(FAMILIES[id].unet, 'ldm').find((k) => k.key === key)?.shape;
    expect(shape('sd1', 'input_blocks.1.1.proj_in.weight')).toEqual([320, 320, 1, 1]);
    expect(shape('sd2', 'input_blocks.1.1.proj_in.weight')).toEqual([320, 320]);
    expect(shape('sd2', 'input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight')).toEqual([320, 1024]);
  });

  it('lists the attention blocks of the reference inventory', () => {
    expect(unetAttentionBlocks(FAMILIES.sd1.unet).map((b) => b.ldm)).toEqual([
      'input_blocks.1.1',
      'input_blocks.2.1',
      'input_blocks.4.1',
      'input_blocks.5.1',
      'input_blocks.7.1',
      'input_blocks.8.1',
      'middle_block.1',
      ...[3, 4, 5, 6, 7, 8, 9, 10, 11].map((n) => `output_blocks.${n}.1`),
    ]);
    const sdxl = unetAttentionBlocks(FAMILIES.sdxl.unet);
    expect(sdxl.map((b) => b.depth).reduce((a, b) => a + b, 0)).toBe(70);
    expect(sdxl.find((b) => b.diffusers === 'up_blocks.0.attentions.2')).toMatchObject({
      ldm: 'output_blocks.2.1',
      channels: 1280,
      depth: 10,
    });
  });
});
