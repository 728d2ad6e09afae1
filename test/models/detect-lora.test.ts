import { describe, expect, it } from 'vitest';
import {
  detectLoRA,
  LORA_FAMILY_SIGNATURES,
  LORA_KEY_GRAMMARS,
  loraModules,
  loraStructure,
  looksLikeLoRA,
  parseLoRAKey,
} from '../../src-main/models/detect-lora';
import { FAMILIES, type FamilyId } from '../../src-main/models/families';
import {
  kohyaKeys,
  peftKeys,
  textEncoderLoRATargets,
  unetLoRATargets,
  type LoRATarget,
} from '../../src-main/models/keymap/lora-names';
import type { Table } from './key-tables';

function kohyaTable(targets: LoRATarget[], rank = 8, alpha = true): Table {
  const table: Table = new Map();
  for (const t of targets) {
    const k = kohyaKeys(t.kohyaStem);
    table.set(k.down, { shape: [rank, t.inFeatures] });
    table.set(k.up, { shape: [t.outFeatures, rank] });
    if (alpha) table.set(k.alpha, { shape: [] });
  }
  return table;
}

function peftTable(targets: LoRATarget[], rank = 4): Table {
  const table: Table = new Map();
  for (const t of targets) {
    const k = peftKeys(t.component, t.internalPath);
    table.set(k.A, { shape: [rank, t.inFeatures] });
    table.set(k.B, { shape: [t.outFeatures, rank] });
  }
  return table;
}

const kohya = (id: FamilyId) => kohyaTable(unetLoRATargets(FAMILIES[id]));
const only = (table: Table, pred: (k: string) => boolean): Table =>
  new Map([...table].filter(([k]) => pred(k)));

describe('LoRA key grammars: one case per row', () => {
  it.each([
    [
      'lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight',
      'kohya',
      'unet',
      'down_blocks_0_attentions_0_proj_in',
      'down',
    ],
    [
      'unet.mid_block.attentions.0.transformer_blocks.0.attn1.to_out.0.lora_B.weight',
      'peft',
      'unet',
      'mid_block_attentions_0_transformer_blocks_0_attn1_to_out_0',
      'up',
    ],
    [
      'unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.processor.to_out_lora.down.weight',
      'legacy-diffusers',
      'unet',
      'down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_out_0',
      'down',
    ],
    [
      'text_encoder_2.text_model.encoder.layers.0.self_attn.q_proj.lora.up.weight',
      'diffusers',
      'text_encoder_2',
      'text_model_encoder_layers_0_self_attn_q_proj',
      'up',
    ],
  ])('%s', (key, naming, component, module, part) => {
    expect(parseLoRAKey(key)).toEqual({ naming, component, module, part });
  });

  it('has one case per grammar and reads alphas and TE prefixes', () => {
    expect(LORA_KEY_GRAMMARS).toHaveLength(4);
    expect(parseLoRAKey('lora_te1_text_model_encoder_layers_0_mlp_fc1.alpha')).toMatchObject({
      component: 'text_encoder',
      part: 'alpha',
    });
    expect(parseLoRAKey('model.diffusion_model.out.2.weight')).toBeNull();
    expect(looksLikeLoRA(kohya('sd1'))).toBe(true);
    expect(looksLikeLoRA(new Map([['first_stage_model.quant_conv.weight', { shape: [8, 8, 1, 1] }]]))).toBe(
      false,
    );
  });

  it('groups tensors into modules and keeps stray keys apart', () => {
    const table = kohya('sd1');
    table.set('stray', { shape: [1] });
    const { modules, unparsed } = loraModules(table);
    expect(modules).toHaveLength(128);
    expect(modules[0]).toMatchObject({ down: [8, 320], up: [320, 8], naming: 'kohya' });
    expect(modules[0].alphaKey).toMatch(/\.alpha$/);
    expect(unparsed).toEqual(['stray']);
  });
});

describe('LoRA family signatures: one case per row', () => {
  const sdxlNoCross = only(kohya('sdxl'), (k) => !k.includes('attn2'));
  const sd1NoCross = only(kohya('sd1'), (k) => !k.includes('attn2'));
  const fixedCases: [string, Table, Record<string, string>, number][] = [
    ['SDXL kohya', kohya('sdxl'), {}, 0],
    ['SD2 kohya', kohya('sd2'), {}, 1],
    ['SD1 kohya', kohya('sd1'), {}, 2],
    ['SDXL without attn2 (deep transformer index)', sdxlNoCross, {}, 3],
    ['SD1-shaped, SDXL metadata', sd1NoCross, { ss_base_model_version: 'sdxl_base_v1-0' }, 4],
    ['SD1-shaped, ss_v2', sd1NoCross, { ss_v2: 'True' }, 5],
    ['tiny, sd_v1 metadata', kohya('tiny-sd1'), { ss_base_model_version: 'sd_v1' }, 6],
  ];
  it.each(fixedCases)('%s → row %i', (_, table, metadata, row) => {
    expect(LORA_FAMILY_SIGNATURES.findIndex((r) => r.test(loraStructure(table, metadata)))).toBe(row);
  });

  it.each(['sd1', 'sd2', 'sdxl', 'sdxl-refiner', 'tiny-sd1', 'tiny-sd2', 'tiny-sdxl'] as const)(
    'the generated table row for %s fires for its attention-only, no-attn2 LoRA',
    (id) => {
      const table = only(kohya(id), (k) => !k.includes('attn2_to_k') && !k.includes('transformer_blocks_2'));
      const s = loraStructure(table);
      expect(s.fits).toContain(id);
      const row = LORA_FAMILY_SIGNATURES.find(
        (r) => r.says === `every module matches the ${id} target table`,
      );
      expect(row?.test(s)).toBe(true);
    },
  );

  it('covers every row', () => {
    expect(LORA_FAMILY_SIGNATURES.length).toBe(fixedCases.length + 8);
  });
});

describe('detectLoRA', () => {
  it('classifies an SD1 kohya file, reading one alpha scalar', async () => {
    const read: string[] = [];
    const d = await detectLoRA(kohya('sd1'), {}, async (key) => {
      read.push(key);
      return 4;
    });
    expect(d).toMatchObject({ layout: 'lora', family: 'sd1', configId: 'sd1', prediction: 'epsilon' });
    expect(d.lora).toEqual({
      naming: 'kohya',
      family: 'sd1',
      rank: 8,
      alpha: 4,
      modules: 128,
      targets: { unet: 128, textEncoder: 0 },
    });
    expect(read).toHaveLength(1);
  });

  it('classifies PEFT SDXL files with text-encoder targets, without alpha', async () => {
    const targets = [...unetLoRATargets(FAMILIES.sdxl), ...textEncoderLoRATargets(FAMILIES.sdxl)];
    const d = await detectLoRA(peftTable(targets));
    expect(d.lora).toMatchObject({
      naming: 'peft',
      family: 'sdxl',
      rank: 4,
      alpha: null,
      targets: { unet: 560, textEncoder: 264 },
    });
    expect(d.configId).toBe('sdxl');
  });

  it('takes sd2-v from metadata and warns about broken files', async () => {
    const table = kohyaTable(unetLoRATargets(FAMILIES.sd2), 4, false);
    table.delete(kohyaKeys(unetLoRATargets(FAMILIES.sd2)[0].kohyaStem).up);
    table.set('junk', { shape: [1] });
    const d = await detectLoRA(table, { ss_base_model_version: 'sd_v2_v' });
    expect(d).toMatchObject({ family: 'sd2-v', prediction: 'v' });
    expect(d.lora.alpha).toBeNull();
    expect(d.lora.modules).toBe(127);
    expect(d.warnings.join('\n')).toMatch(/1 LoRA modules lack/);
    expect(d.warnings.join('\n')).toMatch(/1 keys are not LoRA tensors/);
  });

  it('names an SDXL LoRA in diffusers paths (kohya converted) as SDXL', async () => {
    const targets = unetLoRATargets(FAMILIES.sdxl).map((t) => ({
      ...t,
      kohyaStem: `lora_unet_${t.internalPath.replaceAll('.', '_')}`,
    }));
    const d = await detectLoRA(kohyaTable(targets));
    expect(d).toMatchObject({ family: 'sdxl', configId: 'sdxl' });
  });
});
