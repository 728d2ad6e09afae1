// The VAE on ONNX Runtime: tiny checkpoints in both layouts, agreement with the interpreter, seeded sampling and
// tiled decode.
import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, loadParams } from '../../src-main/engine';
import { TorchCpuGenerator, randn } from '../../src-main/random';
import { latentsFromDistribution, VAE } from '../../src-main/models/vae-run';
import type { NCHW } from '../../src-main/models/vae-image';
import { componentOf, openCheckpoint } from '../../src-main/models/weights';
import { makeTinyCheckpoints } from '../../scripts/make-tiny-checkpoints';

let dir = '';
let cacheDir = '';
let paths: Record<string, string> = {};
const vaes: VAE[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-vae-run-'));
  cacheDir = join(dir, 'onnx');
  paths = await makeTinyCheckpoints(join(dir, 'models'));
});
afterAll(async () => {
  for (const v of vaes) v.dispose();
  await rm(dir, { recursive: true, force: true });
});

async function load(name: string): Promise<VAE> {
  const vae = VAE.fromCheckpoint(await openCheckpoint(paths[name]), { cacheDir });
  vaes.push(vae);
  return vae;
}

/** A smooth test image in [-1, 1]. */
function image(n: number, h: number, w: number): NCHW {
  const data = Float32Array.from(
    { length: n * 3 * h * w },
    (_, i) => 0.8 * Math.sin(i * 0.37 + (i % w) * 0.11),
  );
  return { data, shape: [n, 3, h, w] };
}

const maxDiff = (a: Float32Array, b: Float32Array) =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('VAE on ORT', () => {
  for (const id of ['tiny-sd1', 'tiny-sdxl']) {
    it(`${id}: single file and diffusers folder give bit-identical latents and pixels`, async () => {
      const single = await load(id);
      const folder = await load(`${id}-diffusers`);
      for (const path of [paths[id], paths[`${id}-diffusers`]]) {
        const ckpt = await openCheckpoint(path);
        vaes.push(VAE.fromCheckpoint(ckpt, { cacheDir }));
        expect(componentOf(ckpt, 'vae').unused()).toEqual([]); // every VAE tensor feeds the graphs
      }
      const x = image(2, 16, 24);
      const a = await single.encodeDistribution(x);
      const b = await folder.encodeDistribution(x);
      expect(a.mean.shape).toEqual([2, 4, 16 / single.downscale, 24 / single.downscale]);
      expect(Buffer.from(a.mean.data.buffer).equals(Buffer.from(b.mean.data.buffer))).toBe(true);
      expect(Buffer.from(a.logvar.data.buffer).equals(Buffer.from(b.logvar.data.buffer))).toBe(true);
      const latents = await single.encode(x);
      const pa = await single.decode(latents);
      const pb = await folder.decode(latents);
      expect(pa.shape).toEqual([2, 3, 16, 24]);
      expect(Buffer.from(pa.data.buffer).equals(Buffer.from(pb.data.buffer))).toBe(true);
    });
  }

  it('uses the family scaling factor: mean-mode latents are mean × scalingFactor', async () => {
    const vae = await load('tiny-sdxl');
    expect(vae.config.scalingFactor).toBe(0.13025);
    const x = image(1, 8, 8);
    const { mean } = await vae.encodeDistribution(x);
    const latents = await vae.encode(x);
    expect(
      maxDiff(
        latents.data,
        mean.data.map((v) => v * 0.13025),
      ),
    ).toBe(0);
  });

  it('matches the float64 interpreter on the same weights', async () => {
    const vae = await load('tiny-sd1');
    const x = image(1, 8, 8);
    const ort = await vae.encodeDistribution(x);
    const { mean, logvar } = vae.encoderGraph;
    const feeds = { image: { dtype: 'f32' as const, shape: [...x.shape], data: x.data } };
    const [m, lv] = evaluate([mean, logvar], { ...feeds, ...(await loadParams([mean, logvar])) });
    expect(maxDiff(ort.mean.data, m.data as Float32Array)).toBeLessThan(1e-4);
    expect(maxDiff(ort.logvar.data, lv.data as Float32Array)).toBeLessThan(1e-4);
    const dec = vae.decoderGraph;
    const z = { dtype: 'f32' as const, shape: [...ort.mean.shape], data: ort.mean.data };
    const [px] = evaluate([dec], { latents: z, ...(await loadParams([dec])) });
    const ortPx = await vae.decode({
      data: ort.mean.data.map((v) => v * vae.config.scalingFactor),
      shape: ort.mean.shape,
    });
    expect(maxDiff(ortPx.data, px.data as Float32Array)).toBeLessThan(1e-4);
  });

  it('samples reproducibly with a seeded torch-compatible generator', async () => {
    const vae = await load('tiny-sd1');
    const x = image(1, 8, 8);
    const a = await vae.encode(x, new TorchCpuGenerator(42));
    const b = await vae.encode(x, new TorchCpuGenerator(42));
    const c = await vae.encode(x, new TorchCpuGenerator(43));
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(maxDiff(a.data, c.data)).toBeGreaterThan(1e-3);
    const dist = await vae.encodeDistribution(x);
    const eps = randn(42, dist.mean.shape);
    const expected = dist.mean.data.map(
      (m, i) => (m + Math.exp(0.5 * dist.logvar.data[i]) * eps[i]) * 0.18215,
    );
    expect(maxDiff(a.data, expected)).toBeLessThan(1e-6);
    expect(latentsFromDistribution(dist, 1).data).toEqual(dist.mean.data);
  });

  it('rejects sizes that are not multiples of the downscale factor', async () => {
    const vae = await load('tiny-sd1');
    await expect(vae.encode(image(1, 9, 8))).rejects.toThrow(/multiples of 2/);
  });

  it('gives a layout-independent encoder identity that changes with the weights', async () => {
    const single = await load('tiny-sd1');
    const folder = await load('tiny-sd1-diffusers');
    // tiny-sd2 shares tiny-sd1's VAE keys, shapes and seed, so it has the same VAE; another seed does not.
    expect(await (await load('tiny-sd2')).encoderIdentity()).toBe(await single.encoderIdentity());
    const reseeded = await makeTinyCheckpoints(join(dir, 'seed1'), { seed: 1 });
    const other = VAE.fromCheckpoint(await openCheckpoint(reseeded['tiny-sd1']), { cacheDir });
    const id = await single.encoderIdentity();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(await folder.encoderIdentity()).toBe(id);
    expect(await other.encoderIdentity()).not.toBe(id);
  });

  it('remembers the encoder identity under a cache folder until the checkpoint file changes', async () => {
    const vae = await load('tiny-sd1');
    const id = await vae.encoderIdentity();
    const remember = join(dir, 'remember');
    expect(await vae.encoderIdentity(remember)).toBe(id);
    const [entry] = await readdir(join(remember, 'hashes'));
    expect(entry).toMatch(/\.vae-encoder$/);
    // The entry is what a second run reads instead of hashing the weights again.
    const planted = 'ab'.repeat(32);
    await writeFile(join(remember, 'hashes', entry), planted);
    expect(await vae.encoderIdentity(remember)).toBe(planted);
    // Rewriting the checkpoint (a new mtime) makes the remembered value stale: the weights are hashed again.
    const later = new Date(Date.now() + 5000);
    await utimes(paths['tiny-sd1'], later, later);
    expect(await vae.encoderIdentity(remember)).toBe(id);
  });
});

describe('VAE.decodeTiled', () => {
  it('equals the plain decode when one tile covers the latents', async () => {
    const vae = await load('tiny-sd1');
    const latents = await vae.encode(image(1, 16, 16));
    const plain = await vae.decode(latents);
    const tiled = await vae.decodeTiled(latents, { tile: 8, overlap: 2 });
    expect(tiled.shape).toEqual(plain.shape);
    expect(Buffer.from(tiled.data.buffer).equals(Buffer.from(plain.data.buffer))).toBe(true);
  });

  it('blends overlapping tiles without seams: close to the full decode, no jumps at tile borders', async () => {
    const vae = await load('tiny-sd1');
    const latents = await vae.encode(image(1, 48, 48)); // 24×24 latents
    const full = await vae.decode(latents);
    const blended = await vae.decodeTiled(latents, { tile: 12, overlap: 6 });
    const hard = await vae.decodeTiled(latents, { tile: 12, overlap: 0 });
    // NOTE: each tile's GroupNorm sees only its own statistics, so tiles never equal the full decode exactly.
    // Seams show as a larger error next to tile borders than inside tiles; blending must keep them down.
    const err = (t: NCHW) => columnError(t, full);
    const seamB = Math.max(...[12, 24, 36].map((x) => err(blended)[x]));
    const seamH = Math.max(...[24].map((x) => err(hard)[x]));
    const meanB = err(blended).reduce((a, v) => a + v, 0) / 48;
    expect(meanB).toBeLessThan(0.25);
    expect(seamB).toBeLessThan(1.5 * meanB); // measured: seam 0.11, mean 0.09
    expect(seamH).toBeGreaterThan(3 * seamB); // measured: 0.43 without blending
  });
});

/** Mean |a − b| per pixel column, over batch, channels and rows. */
function columnError(a: NCHW, b: NCHW): number[] {
  const [n, c, h, w] = a.shape;
  const out = new Array<number>(w).fill(0);
  for (let p = 0; p < n * c; p++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        out[x] += Math.abs(a.data[(p * h + y) * w + x] - b.data[(p * h + y) * w + x]);
  return out.map((v) => v / (n * c * h));
}
