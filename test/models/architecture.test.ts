// Architecture from the model itself: full-size configs derive exactly from key lists and from the published
// diffusers config.json texts (test/fixtures/diffusers-configs, written from the HF hub files' values), the
// tiny variants load in both layouts with bit-identical outputs, and what cannot be built is refused.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Graph, type Node, type TensorValue } from '../../src-main/engine';
import { compileGraph } from '../../src-main/engine/runtime/compile';
import {
  architectureProblems,
  describeArchitecture,
  usageProblems,
} from '../../src-main/models/architecture';
import { detectCheckpoint, detectDiffusers } from '../../src-main/models/detect';
import { architectureFromKeys } from '../../src-main/models/derive-keys';
import { FAMILIES, FAMILY_IDS, type FamilyConfig, type FamilyId } from '../../src-main/models/families';
import { assertUsableModel, inspectModel } from '../../src-main/models/inspect';
import { clipKeys } from '../../src-main/models/keymap/clip';
import { clipTextConfig, diffusersKeys, diffusersUNetConfig } from '../../src-main/models/keymap/diffusers';
import { singleFileKeys } from '../../src-main/models/keymap/ldm';
import { paramCount } from '../../src-main/models/keymap/params';
import { unetKeys } from '../../src-main/models/keymap/unet';
import { vaeKeys } from '../../src-main/models/keymap/vae';
import { buildTextEncoder } from '../../src-main/models/text-encoder';
import { buildUNet } from '../../src-main/models/unet';
import { buildVAEDecoder } from '../../src-main/models/vae';
import { componentOf, openCheckpoint } from '../../src-main/models/weights';
import { makeTinyCheckpoints, TINY_VARIANTS } from '../../scripts/make-tiny-checkpoints';

const CONFIGS = join(__dirname, '..', 'fixtures', 'diffusers-configs');
const FULL: Record<string, number> = {
  sd1Unet: 859_520_964,
  sdxlUnet: 2_567_463_684,
  clipL: 123_060_480,
  vae: 83_653_863,
};

const shapesOf = (config: FamilyConfig) => {
  const table = new Map(singleFileKeys(config).map((k) => [k.key, k.shape]));
  return (key: string) => table.get(key);
};

async function publishedFolder(name: string): Promise<Parameters<typeof detectDiffusers>[0]> {
  const read = async (file: string) =>
    JSON.parse(await readFile(join(CONFIGS, name, file), 'utf8').catch(() => 'null')) as
      Record<string, unknown> | undefined;
  return {
    unet: (await read('unet.json'))!,
    vae: (await read('vae.json')) ?? undefined,
    text_encoder: (await read('text_encoder.json')) ?? undefined,
    text_encoder_2: (await read('text_encoder_2.json')) ?? undefined,
    scheduler: (await read('scheduler.json')) ?? undefined,
  };
}

describe('full-size architectures derive exactly', () => {
  it.each(['sd1', 'sd2', 'sd2-v', 'sdxl', 'sdxl-refiner'] as FamilyId[])(
    '%s: from its single-file key list, to the same keys and shapes',
    (id) => {
      const table = FAMILIES[id];
      const derived = architectureFromKeys(shapesOf(table), {}, table);
      expect(singleFileKeys(derived)).toEqual(singleFileKeys(table));
      expect(detectCheckpoint(new Map(singleFileKeys(table).map((k) => [k.key, k]))).refusal).toBeNull();
    },
  );

  it('gives the reference parameter counts from key lists', () => {
    const sd1 = architectureFromKeys(shapesOf(FAMILIES.sd1), {}, FAMILIES.sd1);
    const sdxl = architectureFromKeys(shapesOf(FAMILIES.sdxl), {}, FAMILIES.sdxl);
    expect(paramCount(unetKeys(sd1.unet, 'ldm'))).toBe(FULL.sd1Unet);
    expect(paramCount(unetKeys(sdxl.unet, 'ldm'))).toBe(FULL.sdxlUnet);
    expect(paramCount(clipKeys(sd1.textEncoders[0]))).toBe(FULL.clipL);
    expect(paramCount(vaeKeys(sdxl.vae, 'ldm'))).toBe(FULL.vae);
  });

  it.each([
    ['sd15', 'sd1', FULL.sd1Unet],
    ['sdxl-base', 'sdxl', FULL.sdxlUnet],
    ['sd21', 'sd2-v', null],
  ] as const)('%s: from the published config.json texts', async (name, family, unetParams) => {
    const files = await publishedFolder(name);
    const d = detectDiffusers(files);
    expect(d).toMatchObject({ family, refusal: null });
    const a = d.architecture!;
    if (unetParams) expect(paramCount(diffusersKeys(a, 'unet'))).toBe(unetParams);
    expect(paramCount(diffusersKeys(a, 'vae'))).toBe(FULL.vae);
    expect(diffusersKeys(a, 'unet')).toEqual(diffusersKeys(FAMILIES[family], 'unet'));
    expect(diffusersKeys(a, 'vae')).toEqual(diffusersKeys(FAMILIES[family], 'vae'));
    for (const te of FAMILIES[family].textEncoders)
      expect(diffusersKeys(a, te.component)).toEqual(diffusersKeys(FAMILIES[family], te.component));
    if (family !== 'sd2-v') expect(paramCount(diffusersKeys(a, 'text_encoder'))).toBe(FULL.clipL);
    expect(a.unet.upcastAttention).toBe(family === 'sd2-v');
    expect(a.vae.scalingFactor).toBe(family === 'sdxl' ? 0.13025 : 0.18215);
  });

  it('finds every family row and fixture variant buildable', () => {
    for (const id of FAMILY_IDS) expect(architectureProblems(FAMILIES[id]), id).toEqual([]);
    for (const [name, c] of Object.entries(TINY_VARIANTS)) expect(architectureProblems(c), name).toEqual([]);
  });

  it('describes the architecture in lines', () => {
    const lines = describeArchitecture(FAMILIES.sdxl);
    expect(lines[0]).toBe('UNet: 3 levels 320/640/1280, 2 ResBlock(s) per level, in 4 / out 4 channels');
    expect(lines[1]).toBe(
      '  transformer depth per level 0/2/10, heads -/10/20, mid block depth 10 (20 heads)',
    );
    expect(lines.join('\n')).toMatch(/text_encoder_2: OpenCLIP 32 layers × 1280 wide, 20 heads/);
    // An up path that does not mirror the down path (SSD-1B, Segmind Vega) is listed per up block and layer.
    expect(describeArchitecture(TINY_VARIANTS['tiny-sdxl-depths'])[1]).toBe(
      '  transformer depth per level 0/2/1 (up path 2/1/1 | 1/2/1 | 0/0/0), heads -/4/4, mid block depth 1 (4 heads)',
    );
  });
});

describe('what cannot be built is refused at detection', () => {
  const sd1 = () => ({ ...diffusersUNetConfig(FAMILIES['tiny-sd1'].unet) });
  const textEncoder = clipTextConfig(FAMILIES['tiny-sd1'].textEncoders[0]);
  it.each([
    [
      { down_block_types: ['SimpleCrossAttnDownBlock2D', 'DownBlock2D', 'DownBlock2D'] },
      /down block type SimpleCrossAttnDownBlock2D/,
    ],
    [{ up_block_types: ['UpBlock2D', 'UpBlock2D', 'UpBlock2D'] }, /do not mirror the down blocks/],
    [
      { transformer_layers_per_block: [[1, 1], [1, 2], 1] },
      /gives level 1 the depths 1, 2; Tessera builds one depth per down level/,
    ],
    [{ reverse_transformer_layers_per_block: [[1, 1], 1, 1] }, /needs 3 depths per up block/],
    [{ mid_block_type: 'UNetMidBlock2D' }, /mid_block_type "UNetMidBlock2D"/],
    [{ class_embed_type: 'timestep' }, /class_embed_type = "timestep" is not supported/],
    [{ attention_head_dim: 3 }, /32 channels do not split into 3 attention heads/],
    [{ cross_attention_dim: 48 }, /attends to 48-wide text, the text encoders give 32/],
  ])('%j', (change, why) => {
    const d = detectDiffusers({ unet: { ...sd1(), ...change }, text_encoder: textEncoder });
    expect(d.architecture).toBeNull();
    expect(d.refusal).toMatch(why);
  });

  it.each([
    [['model.diffusion_model.joint_blocks.0.context_block.attn.qkv.weight'], /Stable Diffusion 3 model/],
    [['model.diffusion_model.double_blocks.0.img_attn.qkv.weight'], /FLUX model/],
    [['double_blocks.0.img_attn.qkv.weight', 'single_blocks.0.linear1.weight'], /FLUX model/],
    [['control_model.input_hint_block.0.weight', 'control_model.zero_convs.0.0.weight'], /ControlNet/],
    [['emb_params'], /textual-inversion embedding/],
    [['encoder.conv_in.weight', 'decoder.conv_out.weight'], /a VAE on its own/],
  ])('names what an unsupported file is: %j', (names, what) => {
    const d = detectCheckpoint(new Map(names.map((k) => [k, { shape: [1] }])));
    expect(d.family).toBe('unknown');
    expect(d.refusal).toMatch(what);
    expect(d.refusal).toMatch(/Tessera trains Stable Diffusion 1\.x, 2\.x and XL UNets/);
  });

  it('a single file whose up path does not mirror its down path', () => {
    const keys = new Map(singleFileKeys(FAMILIES['tiny-sd1']).map((k) => [k.key, k]));
    for (const k of [...keys.keys()]) if (k.includes('output_blocks.3.1.')) keys.delete(k);
    expect(detectCheckpoint(keys).refusal).toMatch(/up path does not mirror its down path/);
  });
});

describe('tiny variants in both layouts', () => {
  let dir = '';
  let paths: Record<string, string> = {};
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-arch-'));
    paths = await makeTinyCheckpoints(join(dir, 'm'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const worstDiff = (a: Float32Array, b: Float32Array) =>
    a.reduce((worst, v, i) => Math.max(worst, Math.abs(v - b[i])), 0);
  const wave = (n: number, f: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * f) * 0.8);

  /** UNet, every text encoder and the VAE decoder of a checkpoint in one graph, on fixed inputs. */
  async function outputs(path: string): Promise<Record<string, Float32Array>> {
    const ckpt = await openCheckpoint(path);
    const c = ckpt.config;
    const g = new Graph();
    const [n, h, w, t] = [1, 8, 8, 77];
    const feeds: Record<string, TensorValue> = {
      sample: { dtype: 'f32', shape: [n, 4, h, w], data: wave(n * 4 * h * w, 0.37) },
      timestep: { dtype: 'f32', shape: [n], data: Float32Array.of(300) },
      context: {
        dtype: 'f32',
        shape: [n, t, c.unet.crossAttentionDim],
        data: wave(t * c.unet.crossAttentionDim, 0.11),
      },
    };
    const input = (name: string) => g.input(name, 'f32', feeds[name].shape);
    const unetInputs: Parameters<typeof buildUNet>[3] = {
      sample: input('sample'),
      timestep: input('timestep'),
      context: input('context'),
    };
    if (c.unet.addition) {
      const pooled = c.unet.addition.inputDim - 6 * c.unet.addition.timeEmbedDim;
      feeds.text_embeds = { dtype: 'f32', shape: [n, pooled], data: wave(pooled, 0.23) };
      feeds.time_ids = { dtype: 'f32', shape: [n, 6], data: Float32Array.of(64, 64, 0, 0, 64, 64) };
      unetInputs.textEmbeds = input('text_embeds');
      unetInputs.timeIds = input('time_ids');
    }
    const outs: Record<string, Node> = { unet: buildUNet(g, c.unet, componentOf(ckpt, 'unet'), unetInputs) };
    for (const te of c.textEncoders) {
      const name = `ids_${te.component}`;
      const ids = Int32Array.from({ length: t }, (_, i) => (i * 37) % (te.vocab - 1));
      ids[9] = te.vocab - 1; // the pooled position: the largest id
      feeds[name] = { dtype: 'i32', shape: [n, t], data: ids };
      const o = buildTextEncoder(g, te, componentOf(ckpt, te.component), g.input(name, 'i32', [n, t]));
      outs[te.component] = o.hidden;
      if (o.pooled) outs[`${te.component}_pooled`] = o.pooled;
    }
    outs.pixels = buildVAEDecoder(g, c.vae, componentOf(ckpt, 'vae'), input('sample'));
    // One session per output, as each runs in the app (ORT may fuse differently across a shared graph).
    const results: Record<string, Float32Array> = {};
    for (const [name, out] of Object.entries(outs)) {
      const session = await compileGraph({ out }, { cacheDir: join(dir, 'onnx') });
      try {
        const used = new Set(session.inputs.map((i) => i.name));
        const feed = Object.fromEntries(Object.entries(feeds).filter(([k]) => used.has(k)));
        const r = (await session.run(feed)) as Record<string, TensorValue>;
        results[name] = r.out.data as Float32Array;
      } finally {
        session.dispose();
      }
    }
    return results;
  }

  for (const [name, config] of Object.entries(TINY_VARIANTS)) {
    it(`${name}: both layouts load with the declared architecture; parameters = sum of tensors`, async () => {
      const labels: string[] = [];
      for (const path of [paths[name], paths[`${name}-diffusers`]]) {
        const info = await inspectModel(path);
        labels.push(info.familyLabel);
        // The test-pipeline shape has a 1000-token vocabulary: its diffusers folder brings that tokenizer, the bare
        // single file does not, so CLIP's ids would run past its embedding table.
        if (path === paths['tiny-pipe'])
          expect(info.refusal).toMatch(/text_encoder: a 1000-token vocabulary/);
        else expect(info.refusal).toBeNull();
        expect(info.architecture).toEqual(describeArchitecture(config));
        const ckpt = await openCheckpoint(path);
        const unet = info.components.find((c) => c.name === 'unet')!;
        expect(unet.params).toBe(paramCount(unetKeys(ckpt.config.unet, 'ldm')));
        expect(paramCount(unetKeys(ckpt.config.unet, 'ldm'))).toBe(paramCount(unetKeys(config.unet, 'ldm')));
      }
      expect(labels[1]).toBe(labels[0]); // both layouts lend defaults from the same family row
      expect(labels[0]).toMatch(/\(own architecture\)$/);
    });

    it(`${name}: the single file and the diffusers folder give bit-identical UNet, text and VAE outputs`, async () => {
      const [a, b] = [await outputs(paths[name]), await outputs(paths[`${name}-diffusers`])];
      expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
      for (const k of Object.keys(a)) {
        expect(a[k].every(Number.isFinite), k).toBe(true);
        // NOTE: OpenCLIP stores text_projection as [d, p] (x @ P) and diffusers as [p, d]; ORT multiplies the
        // two placements with different kernels, so the pooled vector may differ in the last bits (≈3e-7).
        if (k.endsWith('_pooled')) expect(worstDiff(a[k], b[k]), k).toBeLessThan(1e-6);
        else expect(Buffer.from(a[k].buffer).equals(Buffer.from(b[k].buffer)), k).toBe(true);
      }
    });
  }

  it('inpainting and pix2pix UNets take 4-channel latents (mask 1, zero image latents), unlike their 4-channel twin', async () => {
    const plain = await outputs(paths['tiny-sd1']);
    for (const name of ['tiny-inpaint', 'tiny-pix2pix']) {
      const extra = await outputs(paths[name]);
      expect(extra.unet.length).toBe(plain.unet.length);
      expect(Buffer.from(extra.unet.buffer).equals(Buffer.from(plain.unet.buffer))).toBe(false);
    }
  });

  it('a model is usable when the tokenizer prompts are encoded with fits every text encoder', async () => {
    const pipe = TINY_VARIANTS['tiny-pipe'];
    expect(usageProblems(pipe, 1000)).toEqual([]);
    expect(usageProblems(pipe, 49408)).toEqual([
      expect.stringMatching(/^text_encoder: a 1000-token vocabulary, smaller than the 49408-token tokenizer/),
    ]);
    expect(usageProblems(FAMILIES.sdxl, 49408)).toEqual([]);
    await expect(assertUsableModel(paths['tiny-pipe'], 'sampled')).rejects.toThrow(
      /tiny-pipe\.safetensors cannot be sampled: text_encoder: a 1000-token vocabulary/,
    );
    expect((await assertUsableModel(paths['tiny-pipe-diffusers'])).refusal).toBeNull();
  });
});
