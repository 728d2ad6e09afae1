// loadLoRA on small hand-built files, one per naming variant of
// docs/reference/lora-formats.md#acceptance-matrix, plus what it refuses and reports.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tensorFromF32, writeSafetensors, type TensorToWrite } from '../../src-main/formats/safetensors';
import { exportKohya } from '../../src-main/lora/export-kohya';
import { loadLoRA } from '../../src-main/lora/load';
import { makeTempDir, randomAdapter } from './targets-fixture';

let dir = '';
let cleanup = async () => {};
beforeEach(async () => ({ dir, cleanup } = await makeTempDir()));
afterEach(() => cleanup());

const SD1_PATH = 'down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k'; // 768 → 320
const SD1_STEM = 'lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k';

const ramp = (n: number, k = 1) => Float32Array.from({ length: n }, (_, i) => ((i % 7) - 3) * k);

/** down [r, in] and up [out, r] under `stem` + the naming's suffixes, F32 unless told. */
function pair(stem: string, down: string, up: string, r: number, nIn: number, nOut: number): TensorToWrite[] {
  return [
    tensorFromF32(`${stem}${down}`, 'F32', [r, nIn], ramp(r * nIn)),
    tensorFromF32(`${stem}${up}`, 'F32', [nOut, r], ramp(nOut * r, 0.5)),
  ];
}

async function file(tensors: TensorToWrite[], metadata: Record<string, string> = {}): Promise<string> {
  const path = join(dir, `f${Math.random().toString(36).slice(2)}.safetensors`);
  await writeSafetensors(path, tensors, metadata);
  return path;
}

describe('loadLoRA: kohya', () => {
  it('reads down/up/alpha, detects SD1 from the attn2.to_k width, maps the stem to the internal path', async () => {
    const path = await file([
      ...pair(SD1_STEM, '.lora_down.weight', '.lora_up.weight', 4, 768, 320),
      tensorFromF32(`${SD1_STEM}.alpha`, 'F16', [], Float32Array.of(2)),
    ]);
    const loaded = await loadLoRA(path);
    expect(loaded.naming).toBe('kohya');
    expect(loaded.adapter.family).toBe('sd1');
    expect(loaded.evidence[0]).toMatch(/768-wide context → sd1/);
    expect(loaded.unknownKeys).toEqual([]);
    expect(loaded.skipped).toEqual([]);
    const [m] = loaded.adapter.modules;
    expect(m).toMatchObject({
      module: `unet.${SD1_PATH}`,
      rank: 4,
      inFeatures: 768,
      outFeatures: 320,
      alpha: 2,
    });
    expect([...m.A]).toEqual([...ramp(4 * 768)]);
    expect([...m.B]).toEqual([...ramp(320 * 4, 0.5)]);
  });

  it('missing alpha means alpha = rank; a stem missing from the target table is reported, not guessed', async () => {
    const path = await file(pair(SD1_STEM, '.lora_down.weight', '.lora_up.weight', 4, 768, 320));
    expect((await loadLoRA(path)).adapter.modules[0].alpha).toBe(4);
    expect((await loadLoRA(path, { peftAlpha: 1 })).adapter.modules[0].alpha).toBe(4); // PEFT config does not apply
    const bare = await loadLoRA(path, { targets: () => [] });
    expect(bare.adapter.modules).toEqual([]);
    expect(bare.skipped[0]).toMatchObject({ stem: SD1_STEM, reason: 'not a known sd1 LoRA target' });
  });

  it('SDXL: LDM stems and the diffusers-path spelling both resolve; family from width', async () => {
    const ldm = 'lora_unet_input_blocks_4_1_transformer_blocks_1_attn2_to_k';
    const diff = 'lora_unet_down_blocks_1_attentions_0_transformer_blocks_1_attn2_to_v';
    const path = await file([
      ...pair(ldm, '.lora_down.weight', '.lora_up.weight', 2, 2048, 640),
      ...pair(diff, '.lora_down.weight', '.lora_up.weight', 2, 2048, 640),
    ]);
    const loaded = await loadLoRA(path);
    expect(loaded.adapter.family).toBe('sdxl');
    expect(loaded.adapter.modules.map((m) => m.module).sort()).toEqual([
      'unet.down_blocks.1.attentions.0.transformer_blocks.1.attn2.to_k',
      'unet.down_blocks.1.attentions.0.transformer_blocks.1.attn2.to_v',
    ]);
  });

  it('text-encoder stems (lora_te_ and lora_te1_) and 2-D proj_in (a 1×1 conv) load; half pairs and unknown stems are skipped', async () => {
    const path = await file(
      [
        ...pair(
          'lora_te_text_model_encoder_layers_0_self_attn_q_proj',
          '.lora_down.weight',
          '.lora_up.weight',
          2,
          768,
          768,
        ),
        ...pair(
          'lora_te1_text_model_encoder_layers_1_mlp_fc1',
          '.lora_down.weight',
          '.lora_up.weight',
          2,
          768,
          3072,
        ),
        ...pair(
          'lora_unet_down_blocks_0_attentions_0_proj_in',
          '.lora_down.weight',
          '.lora_up.weight',
          2,
          320,
          320,
        ),
        tensorFromF32(`${SD1_STEM}.lora_up.weight`, 'F32', [320, 2], new Float32Array(640)),
        ...pair('lora_unet_conv_in', '.lora_down.weight', '.lora_up.weight', 2, 4, 320),
      ],
      { ss_base_model_version: 'sd_v1' },
    );
    const loaded = await loadLoRA(path);
    expect(loaded.evidence).toEqual(['metadata declares sd1']);
    expect(loaded.adapter.modules.map((m) => [m.module, m.conv1x1 ?? false])).toEqual([
      ['text_encoder.text_model.encoder.layers.0.self_attn.q_proj', false],
      ['text_encoder.text_model.encoder.layers.1.mlp.fc1', false],
      ['unet.down_blocks.0.attentions.0.proj_in', true],
    ]);
    const reasons = Object.fromEntries(loaded.skipped.map((s) => [s.stem, s.reason]));
    expect(reasons).toEqual({
      [SD1_STEM]: 'has an up/B matrix only',
      lora_unet_conv_in: 'not a known sd1 LoRA target',
    });
  });
});

describe('loadLoRA: PEFT / diffusers spellings', () => {
  it('PEFT without config: alpha = rank (scale 1), as diffusers does', async () => {
    const path = await file(pair(`unet.${SD1_PATH}`, '.lora_A.weight', '.lora_B.weight', 4, 768, 320));
    const loaded = await loadLoRA(path);
    expect(loaded.naming).toBe('peft');
    expect(loaded.adapter.modules[0]).toMatchObject({ module: `unet.${SD1_PATH}`, alpha: 4, rank: 4 });
  });

  it('PEFT alpha from lora_adapter_metadata (lora_alpha and alpha_pattern) or from the caller', async () => {
    const other = 'mid_block.attentions.0.transformer_blocks.0.attn1.to_q';
    const config = { 'unet.lora_alpha': 8, 'unet.alpha_pattern': { [other]: 3 }, 'unet.r': 4 };
    const tensors = [
      ...pair(`unet.${SD1_PATH}`, '.lora_A.weight', '.lora_B.weight', 4, 768, 320),
      ...pair(`unet.${other}`, '.lora_A.weight', '.lora_B.weight', 4, 1280, 1280),
    ];
    const path = await file(tensors, { lora_adapter_metadata: JSON.stringify(config) });
    const alphas = Object.fromEntries((await loadLoRA(path)).adapter.modules.map((m) => [m.module, m.alpha]));
    expect(alphas).toEqual({ [`unet.${SD1_PATH}`]: 8, [`unet.${other}`]: 3 });
    const broken = await file(tensors, { lora_adapter_metadata: '{"unet.lora_alpha": ' });
    await expect(loadLoRA(broken)).rejects.toThrow(/lora_adapter_metadata is not JSON/);
    const plain = await file(tensors.slice(0, 2));
    expect((await loadLoRA(plain, { peftAlpha: 16 })).adapter.modules[0].alpha).toBe(16);
  });

  it('diffusers trainer `.lora.down.weight`, PEFT `base_model.model.` and `.default` spellings', async () => {
    const trainer = await file(pair(`unet.${SD1_PATH}`, '.lora.down.weight', '.lora.up.weight', 2, 768, 320));
    const t = await loadLoRA(trainer);
    expect(t.naming).toBe('diffusers');
    expect(t.adapter.modules[0].module).toBe(`unet.${SD1_PATH}`);
    const peft = await file(
      pair(`base_model.model.${SD1_PATH}`, '.lora_A.default.weight', '.lora_B.default.weight', 2, 768, 320),
    );
    expect((await loadLoRA(peft)).adapter.modules[0].module).toBe(`unet.${SD1_PATH}`);
  });

  it('legacy attn-processor names map to_out_lora to to_out.0', async () => {
    const base = 'unet.up_blocks.3.attentions.2.transformer_blocks.0.attn1.processor';
    const path = await file([
      ...pair(`${base}.to_out`, '_lora.down.weight', '_lora.up.weight', 2, 320, 320),
      ...pair(`${base}.to_q`, '_lora.down.weight', '_lora.up.weight', 2, 320, 320),
    ]);
    const loaded = await loadLoRA(path, { family: 'sd1' });
    expect(loaded.naming).toBe('legacy-diffusers');
    expect(loaded.adapter.modules.map((m) => m.module).sort()).toEqual([
      'unet.up_blocks.3.attentions.2.transformer_blocks.0.attn1.to_out.0',
      'unet.up_blocks.3.attentions.2.transformer_blocks.0.attn1.to_q',
    ]);
  });
});

describe('loadLoRA: conv, dtypes and unknown keys', () => {
  it('1×1 conv pairs load as conv1x1; 3×3 conv LoRA is skipped with the reason', async () => {
    const stem = 'unet.down_blocks.0.attentions.0.proj_in';
    const path = await file([
      tensorFromF32(`${stem}.lora_A.weight`, 'F32', [2, 320, 1, 1], ramp(640)),
      tensorFromF32(`${stem}.lora_B.weight`, 'F32', [320, 2, 1, 1], ramp(640)),
      tensorFromF32('unet.down_blocks.0.resnets.0.conv1.lora_A.weight', 'F32', [2, 320, 3, 3], ramp(5760)),
      tensorFromF32('unet.down_blocks.0.resnets.0.conv1.lora_B.weight', 'F32', [320, 2, 1, 1], ramp(640)),
    ]);
    const loaded = await loadLoRA(path, { family: 'sd1' });
    expect(loaded.adapter.modules).toHaveLength(1);
    expect(loaded.adapter.modules[0]).toMatchObject({
      module: stem,
      conv1x1: true,
      rank: 2,
      inFeatures: 320,
      outFeatures: 320,
    });
    expect(loaded.skipped[0].reason).toMatch(/conv LoRA with a 3×3 kernel is not supported/);
  });

  it('decodes F16 weights and reports the dtype; non-LoRA keys are listed, not dropped', async () => {
    const path = await file([
      tensorFromF32(`${SD1_STEM}.lora_down.weight`, 'F16', [1, 768], ramp(768, 0.25)),
      tensorFromF32(`${SD1_STEM}.lora_up.weight`, 'F16', [320, 1], ramp(320)),
      tensorFromF32(`${SD1_STEM}.dora_scale`, 'F16', [1, 320], ramp(320)),
      tensorFromF32(`${SD1_STEM}.lora_mid.weight`, 'F16', [1, 1], ramp(1)),
    ]);
    const loaded = await loadLoRA(path);
    expect(loaded.dtype).toBe('F16');
    expect([...loaded.adapter.modules[0].A]).toEqual([...ramp(768, 0.25)]);
    expect(loaded.unknownKeys.sort()).toEqual([`${SD1_STEM}.dora_scale`, `${SD1_STEM}.lora_mid.weight`]);
  });

  it('family stays unknown without clues, and a kohya stem then is reported', async () => {
    const stem = 'lora_unet_mid_block_attentions_0_transformer_blocks_0_attn1_to_q';
    const path = await file(pair(stem, '.lora_down.weight', '.lora_up.weight', 1, 8, 8));
    const loaded = await loadLoRA(path);
    expect(loaded.adapter.family).toBe('unknown');
    expect(loaded.skipped[0].reason).toMatch(/base family could not be determined/);
  });
});

describe('loadLoRA: whole tables', () => {
  it.each(['sd1', 'sd2', 'sdxl'] as const)(
    '%s: every target exported in kohya naming loads back to the same module',
    async (family) => {
      const adapter = randomAdapter(family, { rank: 1, alpha: 1 });
      const path = join(dir, `${family}.safetensors`);
      await exportKohya(adapter, path, { dtype: 'F16' });
      const loaded = await loadLoRA(path);
      expect(loaded.skipped).toEqual([]);
      expect(loaded.adapter.family).toBe(family);
      expect(loaded.adapter.modules.map((m) => m.module).sort()).toEqual(
        adapter.modules.map((m) => m.module).sort(),
      );
    },
  );

  it('a matrix that does not fit the target is skipped with both shapes', async () => {
    const path = await file(pair(SD1_STEM, '.lora_down.weight', '.lora_up.weight', 2, 1024, 320), {
      ss_base_model_version: 'sd_v1',
    });
    const loaded = await loadLoRA(path);
    expect(loaded.skipped[0].reason).toBe('1024 → 320 does not fit the target (768 → 320)');
  });
});
