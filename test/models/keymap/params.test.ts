import { describe, expect, it } from 'vitest';
import { keysOf, PairList, paramCount } from '../../../src-main/models/keymap/params';

describe('PairList', () => {
  it('records each parameter under both names, with kinds for initialisation', () => {
    const p = new PairList();
    p.linear('time_embed.0', 'time_embedding.linear_1', 8, 4);
    p.conv('input_blocks.0.0', 'conv_in', 8, 4, 3);
    p.norm('out.0', 'conv_norm_out', 8);
    p.convAsLinear('mid.attn_1.q', 'mid_block.attentions.0.to_q', 8, 8);
    expect(keysOf(p.pairs, 'ldm').map((k) => k.key)).toContain('input_blocks.0.0.weight');
    expect(keysOf(p.pairs, 'diffusers', 'unet/').map((k) => k.key)).toContain('unet/conv_in.bias');
    expect(p.pairs.find((x) => x.ldm === 'mid.attn_1.q.weight')).toMatchObject({
      ldmShape: [8, 8, 1, 1],
      diffusersShape: [8, 8],
    });
    expect(p.pairs.find((x) => x.ldm === 'out.0.weight')?.kind).toBe('norm-weight');
    expect(paramCount(keysOf(p.pairs, 'ldm'))).toBe(8 * 4 + 8 + 8 * 4 * 9 + 8 + 16 + 64 + 8);
  });

  it('linear without bias emits only the weight', () => {
    const p = new PairList();
    p.linear('a', 'b', 2, 3, false);
    expect(p.pairs.map((x) => x.ldm)).toEqual(['a.weight']);
    expect(paramCount([{ shape: [] }])).toBe(1);
  });
});
