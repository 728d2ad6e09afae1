// The record's merge math: ΔW = (alpha/rank)·B·A against a hand-computed case, and shape validation.
import { describe, expect, it } from 'vitest';
import {
  allLoRATargets,
  checkModule,
  moduleName,
  deltaWeight,
  dominantRankAlpha,
  scaleOf,
  type LoRAModuleWeights,
} from '../../src-main/lora/adapter-weights';

function module2x3(): LoRAModuleWeights {
  // A [2, 3], B [2, 2]; B·A = [[1*1+2*4, 1*2+2*5, 1*3+2*6], [3*1+4*4, 3*2+4*5, 3*3+4*6]]
  return {
    module: 'unet.mid_block.attentions.0.transformer_blocks.0.attn1.to_q',
    A: Float32Array.of(1, 2, 3, 4, 5, 6),
    B: Float32Array.of(1, 2, 3, 4),
    rank: 2,
    inFeatures: 3,
    outFeatures: 2,
    alpha: 1,
  };
}

describe('deltaWeight', () => {
  it('is (alpha/rank)·B·A as [out, in]', () => {
    expect([...deltaWeight(module2x3())]).toEqual([9, 12, 15, 19, 26, 33].map((v) => v / 2));
  });

  it('scales linearly with alpha', () => {
    const m = { ...module2x3(), alpha: 4 };
    expect([...deltaWeight(m)]).toEqual([9, 12, 15, 19, 26, 33].map((v) => v * 2));
  });
});

describe('scaleOf / dominantRankAlpha', () => {
  it('scale is alpha / rank', () => expect(scaleOf({ alpha: 8, rank: 16 })).toBe(0.5));

  it('picks the most common rank/alpha pair', () => {
    const m = module2x3();
    const adapter = { family: 'sd1' as const, metadata: {}, modules: [m, m, { ...m, alpha: 3 }] };
    expect(dominantRankAlpha(adapter)).toEqual({ rank: 2, alpha: 1 });
    expect(() => dominantRankAlpha({ ...adapter, modules: [] })).toThrow(/no modules/);
  });
});

describe('checkModule', () => {
  it('accepts a consistent record and names the module when A or B is the wrong size', () => {
    expect(() => checkModule(module2x3())).not.toThrow();
    expect(() => checkModule({ ...module2x3(), A: new Float32Array(5) })).toThrow(
      /attn1\.to_q: A has 5 values, \[2, 3\] needs 6/,
    );
    expect(() => checkModule({ ...module2x3(), B: new Float32Array(3) })).toThrow(/B has 3 values/);
    expect(() => checkModule({ ...module2x3(), rank: 0 })).toThrow(/positive integers/);
    expect(() => checkModule({ ...module2x3(), alpha: Number.NaN })).toThrow(/not finite/);
  });
});

describe('allLoRATargets / moduleName', () => {
  it("lists kohya's default UNet set plus the text encoders, named with their component", () => {
    expect(allLoRATargets('sd1')).toHaveLength(192 + 72);
    expect(allLoRATargets('sdxl')).toHaveLength(722 + 72 + 192);
    const names = new Set(allLoRATargets('sdxl').map(moduleName));
    expect(names.has('unet.up_blocks.0.attentions.2.transformer_blocks.9.ff.net.2')).toBe(true);
    expect(names.has('text_encoder_2.text_model.encoder.layers.31.mlp.fc2')).toBe(true);
  });
});
