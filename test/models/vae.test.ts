// The VAE graphs: structure of the full-size SD VAE from a shape-only source (no weights), and the tiny
// checkpoints' encoder/decoder on the reference interpreter.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, Graph, liveOrder, loadParams, type Node } from '../../src-main/engine';
import { FAMILIES } from '../../src-main/models/families';
import { vaeKeys } from '../../src-main/models/keymap/vae';
import { paramCount } from '../../src-main/models/keymap/params';
import { buildVAEDecoder, buildVAEEncoder, vaeDownscale, type ParamSource } from '../../src-main/models/vae';
import { componentOf, openCheckpoint } from '../../src-main/models/weights';
import { readSafetensorsHeader, readTensorF32 } from '../../src-main/formats/safetensors';
import { LdmVAE } from './vae-loops';
import { makeTinyCheckpoints } from '../../scripts/make-tiny-checkpoints';

/** Declares every requested parameter with its expected shape and no data: enough to build and count. */
const shapeOnly: ParamSource = {
  param: (g, name, shape) =>
    g.param(name, { file: '', key: name, storedAs: 'F32', byteStart: 0, byteEnd: 0 }, 'f32', shape),
};

function params(outputs: Node[]): Node[] {
  return liveOrder(outputs).filter((n) => n.op === 'Param');
}

const numel = (shape: readonly (number | string)[]) => shape.reduce<number>((a, d) => a * Number(d), 1);

describe('full-size SD VAE structure (shape-only)', () => {
  const config = FAMILIES.sd1.vae;

  it('reads exactly the LDM keys of vaeParamPairs and has ≈83.65 M parameters', () => {
    const g = new Graph();
    const { mean, logvar } = buildVAEEncoder(g, config, shapeOnly, g.input('image', 'f32', [1, 3, 64, 64]));
    const pixels = buildVAEDecoder(g, config, shapeOnly, g.input('latents', 'f32', [1, 4, 8, 8]));
    const built = params([mean, logvar, pixels]);
    const keys = vaeKeys(config, 'ldm');
    expect(new Set(built.map((n) => n.name))).toEqual(new Set(keys.map((k) => k.key)));
    const total = built.reduce((sum, n) => sum + numel(n.shape), 0);
    expect(total).toBe(paramCount(keys));
    expect(total).toBe(83_653_863);
  });

  it('maps H×W to H/8×W/8 and back, symbolically', () => {
    const g = new Graph();
    const enc = buildVAEEncoder(g, config, shapeOnly, g.input('image', 'f32', ['N', 3, 'H', 'W']));
    expect(enc.mean.shape).toEqual(['N', 4, 'H/8', 'W/8']);
    expect(enc.logvar.shape).toEqual(['N', 4, 'H/8', 'W/8']);
    const dec = buildVAEDecoder(g, config, shapeOnly, g.input('latents', 'f32', ['N', 4, 'h', 'w']));
    expect(dec.shape).toEqual(['N', 3, '8*h', '8*w']);
    expect(vaeDownscale(config)).toBe(8);
  });

  it('names nodes by LDM module path and uses the asymmetric stride-2 downsample', () => {
    const g = new Graph();
    buildVAEEncoder(g, config, shapeOnly, g.input('image', 'f32', [1, 3, 16, 16]));
    const down = g.nodes.find((n) => n.op === 'Conv' && n.scope === 'encoder.down.0.downsample.conv');
    expect(down?.attrs).toMatchObject({ strides: [2, 2], pads: [0, 0, 1, 1] });
    expect(down?.shape).toEqual([1, 128, 8, 8]);
    const attn = g.nodes.filter((n) => n.op === 'Softmax');
    expect(attn.map((n) => n.scope)).toEqual(['encoder.mid.attn_1']);
    expect(attn[0].shape).toEqual([1, 1, 4, 4]); // one head over the 2×2 = 4 positions
  });
});

describe('tiny VAE on the interpreter', () => {
  let dir = '';
  let paths: Record<string, string> = {};
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-vae-graph-'));
    paths = await makeTinyCheckpoints(dir);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads every VAE tensor of the checkpoint, and encodes then decodes to sane shapes', async () => {
    const ckpt = await openCheckpoint(paths['tiny-sd1']);
    const vae = componentOf(ckpt, 'vae');
    const g = new Graph();
    const image = g.input('image', 'f32', [1, 3, 8, 8]);
    const { mean, logvar } = buildVAEEncoder(g, ckpt.config.vae, vae, image);
    const pixels = buildVAEDecoder(g, ckpt.config.vae, vae, mean);
    expect(vae.unused()).toEqual([]);
    const data = Float32Array.from({ length: 3 * 64 }, (_, i) => Math.sin(i) * 0.9);
    const feeds = { image: { dtype: 'f32' as const, shape: [1, 3, 8, 8], data } };
    const [m, lv, px] = evaluate([mean, logvar, pixels], {
      ...feeds,
      ...(await loadParams([mean, logvar, pixels])),
    });
    expect(m.shape).toEqual([1, 4, 4, 4]);
    expect(lv.shape).toEqual([1, 4, 4, 4]);
    expect(px.shape).toEqual([1, 3, 8, 8]);
    for (const v of [m, lv, px]) expect(Array.from(v.data as Float32Array).every(Number.isFinite)).toBe(true);
    expect(Math.max(...Array.from(lv.data as Float32Array))).toBeLessThanOrEqual(20);
  });

  it('matches a loop-by-loop float64 implementation of LDM Encoder/Decoder on the same weights', async () => {
    const ckpt = await openCheckpoint(paths['tiny-sd1']);
    const config = ckpt.config.vae;
    const header = await readSafetensorsHeader(paths['tiny-sd1']);
    const tensors = new Map<string, Float64Array>();
    for (const key of header.tensors.keys())
      if (key.startsWith('first_stage_model.'))
        tensors.set(key.slice(18), Float64Array.from(await readTensorF32(header, key)));
    const ref = new LdmVAE(
      (n) => tensors.get(n)!,
      config.normGroups,
      config.blockOutChannels,
      config.layersPerBlock,
    );
    const g = new Graph();
    const vae = componentOf(ckpt, 'vae');
    const { mean, logvar } = buildVAEEncoder(g, config, vae, g.input('image', 'f32', [1, 3, 8, 6]));
    const latents = g.input('latents', 'f32', [1, 4, 4, 3]);
    const pixels = buildVAEDecoder(g, config, vae, latents);
    const image = Float32Array.from({ length: 3 * 48 }, (_, i) => Math.cos(i * 0.7) * 0.9);
    const z = Float32Array.from({ length: 4 * 12 }, (_, i) => Math.sin(i * 1.3) * 2);
    const feeds = {
      image: { dtype: 'f32' as const, shape: [1, 3, 8, 6], data: image },
      latents: { dtype: 'f32' as const, shape: [1, 4, 4, 3], data: z },
    };
    const outs = [mean, logvar, pixels];
    const [m, lv, px] = evaluate(outs, { ...feeds, ...(await loadParams(outs)) });
    const enc = ref.encode({ c: 3, h: 8, w: 6, d: Float64Array.from(image) });
    const dec = ref.decode({ c: 4, h: 4, w: 3, d: Float64Array.from(z) });
    const close = (a: ArrayLike<number>, b: ArrayLike<number>) =>
      Array.from(a).forEach((v, i) => expect(v).toBeCloseTo(b[i], 4));
    close(m.data as Float32Array, enc.d.subarray(0, 48));
    close(lv.data as Float32Array, enc.d.subarray(48));
    close(px.data as Float32Array, dec.d);
  });
});
