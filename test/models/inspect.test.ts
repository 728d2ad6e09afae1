import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSafetensors } from '../../src-main/formats/safetensors/index';
import { ModelFormatError } from '../../src-main/models/errors';
import { FAMILIES } from '../../src-main/models/families';
import { inspectModel } from '../../src-main/models/inspect';
import { diffusersKeys, diffusersUNetConfig } from '../../src-main/models/keymap/diffusers';
import { singleFileKeys } from '../../src-main/models/keymap/ldm';
import { paramCount } from '../../src-main/models/keymap/params';
import { makeTinyCheckpoints } from '../../scripts/make-tiny-checkpoints';

let dir = '';
let paths: Record<string, string> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-inspect-'));
  paths = await makeTinyCheckpoints(join(dir, 'fx'), { dtype: 'F16' });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const zeros = (keys: { key: string; shape: number[] }[]) =>
  keys.map((k) => ({
    name: k.key,
    dtype: 'F16' as const,
    shape: k.shape,
    data: new Uint16Array(k.shape.reduce((n, d) => n * d, 1)),
  }));

describe('inspectModel on the tiny fixtures', () => {
  it.each([
    ['tiny-sd1', 'sd1', ['unet', 'vae', 'text_encoder']],
    ['tiny-sd2', 'sd2', ['unet', 'vae', 'text_encoder']],
    ['tiny-sdxl', 'sdxl', ['unet', 'vae', 'text_encoder', 'text_encoder_2']],
  ] as const)('%s single file → %s', async (id, family, present) => {
    const info = await inspectModel(paths[id]);
    expect(info).toMatchObject({
      layout: 'single-file',
      family,
      familyLabel: FAMILIES[id].label,
      prediction: 'epsilon',
      variant: 'normal',
      warnings: [],
      lora: null,
    });
    expect(info.components.filter((c) => c.present).map((c) => c.name)).toEqual(present);
    expect(info.totalParams).toBe(paramCount(singleFileKeys(FAMILIES[id])));
    expect(info.components.reduce((n, c) => n + c.params, 0)).toBe(info.totalParams);
    expect(info.dtypes).toEqual({ F16: info.tensorCount });
    expect(info.metadata['modelspec.prediction_type']).toBe('epsilon');
  });

  it('reads the diffusers folder as the same tiny SD1', async () => {
    const info = await inspectModel(paths['tiny-sd1-diffusers']);
    expect(info).toMatchObject({
      layout: 'diffusers',
      family: 'sd1',
      familyLabel: 'Tiny SD1 (test model)',
      prediction: 'epsilon',
      warnings: [],
    });
    expect(info.totalParams).toBe((await inspectModel(paths['tiny-sd1'])).totalParams);
    expect(info.evidence).toContain('model_index.json: StableDiffusionPipeline');
  });

  it.each([
    ['tiny-sd1-lora', 'sd1', 88],
    ['tiny-sdxl-lora', 'sdxl', 136],
  ] as const)('%s → a kohya LoRA for %s', async (name, family, modules) => {
    const info = await inspectModel(paths[name]);
    expect(info).toMatchObject({ layout: 'lora', family, warnings: [] });
    expect(info.lora).toEqual({
      naming: 'kohya',
      family,
      rank: 4,
      alpha: 2,
      modules,
      targets: { unet: modules, textEncoder: 0 },
    });
    expect(info.components.find((c) => c.name === 'unet')?.tensors).toBe(3 * modules);
    expect(info.metadata.ss_network_module).toBe('networks.lora');
  });
});

describe('inspectModel on odd inputs', () => {
  it('reports missing and unknown keys of a checkpoint', async () => {
    const keys = singleFileKeys(FAMILIES['tiny-sd1']).slice(1);
    const path = join(dir, 'partial.safetensors');
    await writeSafetensors(
      path,
      zeros([
        ...keys,
        { key: 'model_ema.decay', shape: [] },
        { key: 'model.diffusion_model.extra.weight', shape: [2] },
      ]),
    );
    const info = await inspectModel(path);
    expect(info.family).toBe('sd1');
    expect(info.refusal).toMatch(
      /unet: 1 tensors the model needs are missing \(e\.g\. model\.diffusion_model\.time_embed\.0\.weight\)/,
    );
    expect(info.warnings).toEqual(
      expect.arrayContaining([
        'unet: 1 unknown keys will be ignored',
        expect.stringMatching(/^1 keys outside the UNet/),
      ]),
    );
  });

  it('reads fp16 variants and sharded components of a diffusers folder', async () => {
    const folder = join(dir, 'variants');
    const config = FAMILIES['tiny-sd1'];
    for (const c of ['unet', 'vae', 'text_encoder']) await mkdir(join(folder, c), { recursive: true });
    await writeFile(join(folder, 'unet', 'config.json'), JSON.stringify(diffusersUNetConfig(config.unet)));
    await writeSafetensors(
      join(folder, 'unet', 'diffusion_pytorch_model.fp16.safetensors'),
      zeros(diffusersKeys(config, 'unet')),
    );
    const vae = diffusersKeys(config, 'vae');
    const halves = [vae.slice(0, 50), vae.slice(50)];
    const weightMap: Record<string, string> = {};
    for (const [i, half] of halves.entries()) {
      const file = `diffusion_pytorch_model-0000${i + 1}-of-00002.safetensors`;
      await writeSafetensors(join(folder, 'vae', file), zeros(half));
      for (const k of half) weightMap[k.key] = file;
    }
    await writeFile(
      join(folder, 'vae', 'diffusion_pytorch_model.safetensors.index.json'),
      JSON.stringify({ weight_map: weightMap }),
    );
    await writeFile(join(folder, 'text_encoder', 'pytorch_model.bin'), 'not read');
    const info = await inspectModel(folder);
    expect(info.family).toBe('sd1');
    expect(info.components.find((c) => c.name === 'vae')).toMatchObject({
      present: true,
      params: paramCount(vae),
    });
    expect(info.components.find((c) => c.name === 'unet')?.present).toBe(true);
    expect(info.warnings.join('\n')).toMatch(/text_encoder: only pickle \(\.bin\) weights/);
    expect(info.refusal).toMatch(/it has no text_encoder weights/);
  });

  it('refuses pickles by extension and by content, with conversion advice', async () => {
    const ckpt = join(dir, 'model.ckpt');
    await writeFile(ckpt, 'whatever');
    const disguised = join(dir, 'disguised.safetensors');
    await writeFile(disguised, Buffer.from('PK\x03\x04rest-of-a-torch-zip', 'latin1'));
    for (const path of [ckpt, disguised]) {
      const err = await inspectModel(path).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModelFormatError);
      expect(err).toMatchObject({ problem: 'pickle', path });
      expect((err as Error).message).toMatch(/run arbitrary code.*safetensors/s);
    }
  });

  it('explains files that are not safetensors and folders that are not pipelines', async () => {
    const text = join(dir, 'notes.txt');
    await writeFile(text, 'hello, this is not a model at all');
    await expect(inspectModel(text)).rejects.toMatchObject({
      name: 'ModelFormatError',
      problem: 'not-safetensors',
    });
    const empty = join(dir, 'empty-folder');
    await mkdir(empty);
    await expect(inspectModel(empty)).rejects.toMatchObject({ problem: 'not-a-model' });
  });
});
