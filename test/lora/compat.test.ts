// Golden cases from the documented key-mapping rules of each consumer
// (docs/reference/lora-formats.md#acceptance-matrix): real files written by the exporters, and hand-made
// files with foreign, unknown and rank-mismatched keys.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  readSafetensorsHeader,
  readTensorF32,
  tensorFromF32,
  writeSafetensors,
} from '../../src-main/formats/safetensors';
import {
  compatReport,
  formatCompat,
  styleOf,
  type CompatReport,
  type Consumer,
} from '../../src-main/lora/compat';
import { exportKohya } from '../../src-main/lora/export-kohya';
import { exportPeft } from '../../src-main/lora/export-peft';
import { initLoRA } from '../../src-main/lora/plan';
import { streamRng } from '../../src-main/random';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-compat-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const adapter = (family: 'tiny-sd1' | 'tiny-sdxl') =>
  initLoRA({ family, targetSet: 'attention', rank: 4, alpha: 2 }, streamRng(1, 'init', 0));

const by = (r: CompatReport, c: Consumer) => r.consumers.find((x) => x.consumer === c)!;

/** Copies a file's tensors with renamed keys and extra tensors. */
async function rewrite(
  from: string,
  to: string,
  rename: (key: string) => string,
  extra: ReturnType<typeof tensorFromF32>[] = [],
  metadata?: Record<string, string>,
): Promise<string> {
  const h = await readSafetensorsHeader(from);
  const tensors = [];
  for (const [key, e] of h.tensors)
    tensors.push(tensorFromF32(rename(key), 'F32', e.shape, await readTensorF32(h, key)));
  await writeSafetensors(to, [...tensors, ...extra], metadata ?? h.metadata);
  return to;
}

describe('compatibility report', () => {
  it('classifies key styles', () => {
    expect(
      styleOf({
        stem: 'lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q',
        naming: 'kohya',
      }),
    ).toBe('kohya-diffusers');
    expect(
      styleOf({ stem: 'lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q', naming: 'kohya' }),
    ).toBe('kohya-ldm');
    expect(
      styleOf({ stem: 'unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q', naming: 'peft' }),
    ).toBe('peft');
    expect(styleOf({ stem: 'unet.down_blocks.0.attn1.processor.to_q', naming: 'legacy-diffusers' })).toBe(
      'legacy-processor',
    );
    expect(
      styleOf({ stem: 'diffusion_model.input_blocks.1.1.transformer_blocks.0.attn1.to_q', naming: 'kohya' }),
    ).toBe('generic-ldm');
  });

  it('a kohya-named SD1 export applies fully everywhere, at alpha/rank', async () => {
    const path = join(dir, 'sd1-kohya.safetensors');
    await exportKohya(adapter('tiny-sd1'), path, { dtype: 'F32' });
    const r = await compatReport(path, 'tiny-sd1');
    for (const c of r.consumers)
      expect([c.consumer, c.applied, c.complete]).toEqual([c.consumer, c.total, true]);
    expect(by(r, 'comfyui').scale).toBe('alpha/rank = 2/4 = 0.5');
    expect(r.fix).toBeUndefined();
  });

  it('a PEFT-named file: diffusers only; ComfyUI applies none of its attention keys', async () => {
    const path = join(dir, 'sd1-peft.safetensors');
    await exportPeft(adapter('tiny-sd1'), path, { dtype: 'F32' });
    const r = await compatReport(path, 'tiny-sd1');
    expect(by(r, 'diffusers').complete).toBe(true);
    expect(by(r, 'comfyui').applied).toBe(0);
    expect(by(r, 'comfyui').skipped[0].reason).toContain('does not read PEFT names');
    expect(r.fix).toContain('--to kohya');
    expect(formatCompat(r).join('\n')).toMatch(/!! ComfyUI\s+0\/\d+ modules applied/);
  });

  it('SDXL: LDM names (kohya-native) apply everywhere; mixing LDM and diffusers paths breaks InvokeAI', async () => {
    const ldm = join(dir, 'sdxl-ldm.safetensors');
    await exportKohya(adapter('tiny-sdxl'), ldm, { dtype: 'F32' });
    const r = await compatReport(ldm, 'tiny-sdxl');
    expect(r.consumers.every((c) => c.complete)).toBe(true);
    // the same file under SD1 rules: LDM paths are what kohya, diffusers and InvokeAI refuse for SD1/SD2
    const h = await readSafetensorsHeader(ldm);
    const first = [...h.tensors.keys()].find((k) => k.startsWith('lora_unet_input_blocks'))!;
    expect(first).toBeDefined();
    // one module renamed to its diffusers block path: both spellings in one SDXL file
    const stem = first.slice(0, first.indexOf('.'));
    const mixed = await rewrite(ldm, join(dir, 'sdxl-mixed.safetensors'), (k) =>
      k.startsWith(stem + '.')
        ? k.replace(stem, stem.replace(/input_blocks_(\d+)_1/, 'down_blocks_1_attentions_0'))
        : k,
    );
    const m = await compatReport(mixed, 'tiny-sdxl');
    expect(by(m, 'invokeai').applied).toBe(0);
    expect(by(m, 'invokeai').warnings[0]).toContain('mix LDM and diffusers');
  });

  it('an unknown key makes diffusers refuse a kohya file; a rank-mismatched module is skipped everywhere', async () => {
    const base = join(dir, 'sd1-kohya.safetensors');
    const odd = await rewrite(base, join(dir, 'sd1-odd.safetensors'), (k) => k, [
      tensorFromF32('lora_unet_extra.hada_w1_a', 'F32', [2], Float32Array.of(1, 2)),
      tensorFromF32(
        'lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn9_to_q.lora_down.weight',
        'F32',
        [4, 3],
        new Float32Array(12),
      ),
      tensorFromF32(
        'lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn9_to_q.lora_up.weight',
        'F32',
        [5, 2],
        new Float32Array(10),
      ),
    ]);
    const r = await compatReport(odd, 'tiny-sd1');
    expect(by(r, 'diffusers').applied).toBe(0);
    expect(by(r, 'diffusers').warnings[0]).toContain('refuses the whole file');
    for (const c of r.consumers) {
      expect(c.applied).toBeLessThan(c.total);
      expect(
        c.skipped.some((s) => s.stem.includes('attn9') && s.reason.includes('base model has no such module')),
      ).toBe(true);
    }
  });
});

describe('compatibility report: a rank-mismatched module', () => {
  it('is skipped by every consumer, with the reason, while the other module applies', async () => {
    const { FAMILIES } = await import('../../src-main/models/families');
    const { unetLoRATargets } = await import('../../src-main/models/keymap/lora-names');
    const [good, bad] = unetLoRATargets(FAMILIES['tiny-sd1'], 'attention');
    const pair = (stem: string, inF: number, outF: number, r1: number, r2: number) => [
      tensorFromF32(`${stem}.lora_down.weight`, 'F32', [r1, inF], new Float32Array(r1 * inF)),
      tensorFromF32(`${stem}.lora_up.weight`, 'F32', [outF, r2], new Float32Array(outF * r2)),
    ];
    const path = join(dir, 'rank-mismatch.safetensors');
    await writeSafetensors(path, [
      ...pair(good.kohyaStem, good.inFeatures, good.outFeatures, 4, 4),
      ...pair(bad.kohyaStem, bad.inFeatures, bad.outFeatures, 4, 2),
    ]);
    const r = await compatReport(path, 'tiny-sd1');
    for (const c of r.consumers) {
      expect([c.consumer, c.applied, c.total]).toEqual([c.consumer, 1, 2]);
      expect(c.skipped[0].reason).toContain('rank mismatch');
    }
    expect(by(r, 'kohya').scale).toBe('1.0 (no alpha in the file)');
  });
});

describe('tessera info --compat', () => {
  it('prints the report for an adapter against a base model, and the fix when one consumer falls short', async () => {
    const { makeTinyCheckpoints } = await import('../../scripts/make-tiny-checkpoints');
    const { runCli } = await import('../../src-main/cli/main');
    const { memoryIo } = await import('../fixtures/cli-io');
    const models = await makeTinyCheckpoints(join(dir, 'models'));
    const io = memoryIo(dir);
    expect(
      await runCli(['info', '--compat', 'sd1-peft.safetensors', '--model', models['tiny-sd1']], io),
    ).toBe(0);
    const text = io.lines.join('\n');
    expect(text).toMatch(/ok diffusers\s+\d+\/\d+ modules applied/);
    expect(text).toContain('Export in kohya naming');
    const missing = memoryIo(dir);
    expect(await runCli(['info', '--compat', 'sd1-peft.safetensors'], missing)).not.toBe(0);
    expect(missing.errors.join('\n')).toContain('--compat needs --model BASE');
  });
});
