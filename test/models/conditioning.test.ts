// Prompt conditioning on the tiny checkpoints: A1111 chunking (100 tokens → 154 context rows), clip skip per family,
// SDXL channel concat + pooled vector + zeroed empty negative, the per-family table, time ids and identity.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, Graph, loadParams } from '../../src-main/engine';
import {
  CONDITIONING,
  conditioningLayer,
  Encoder,
  sdxlTimeIds,
  buildConditioning,
} from '../../src-main/models/conditioning';
import { FAMILIES } from '../../src-main/models/families';
import { buildTextEncoder } from '../../src-main/models/text-encoder';
import { loadModelTokenizer } from '../../src-main/models/tokenizer-files';
import { componentOf, openCheckpoint, type OpenedCheckpoint } from '../../src-main/models/weights';
import { makeTinyCheckpoints } from '../../scripts/make-tiny-checkpoints';
import { testTokenizer } from '../fixtures/tokenizer';

const tok = testTokenizer();

/** 100 prompt tokens without commas, so A1111 splits at exactly 75. */
const LONG = Array.from({ length: 50 }, () => 'cat dog').join(' ');
const FIRST_75 = Array.from({ length: 75 }, (_, i) => (i % 2 ? 'dog' : 'cat')).join(' ');

let dir = '';
let paths: Record<string, string> = {};
const opened: Record<string, OpenedCheckpoint> = {};
const encoders: Encoder[] = [];

function encoder(id: string, clipSkip = 1): Encoder {
  const e = Encoder.fromCheckpoint(opened[id], tok, { clipSkip, cacheDir: join(dir, 'onnx') });
  encoders.push(e);
  return e;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-conditioning-'));
  paths = await makeTinyCheckpoints(dir);
  for (const id of ['tiny-sd1', 'tiny-sd2', 'tiny-sdxl', 'tiny-sd1-diffusers'])
    opened[id] = await openCheckpoint(paths[id]);
});
afterAll(async () => {
  for (const e of encoders) e.dispose();
  await rm(dir, { recursive: true, force: true });
});

/** Reference: one encoder on the interpreter for the given rows. */
async function reference(
  ckpt: OpenedCheckpoint,
  index: number,
  rows: Int32Array[],
  layer: number,
  finalNorm: boolean,
) {
  const te = ckpt.config.textEncoders[index];
  const g = new Graph();
  const ids = g.input('ids', 'i32', [rows.length, 77]);
  const out = buildTextEncoder(g, te, componentOf(ckpt, te.component), ids, { layer, finalNorm });
  const outputs = out.pooled ? [out.hidden, out.pooled] : [out.hidden];
  const data = new Int32Array(rows.length * 77);
  rows.forEach((r, i) => data.set(r, i * 77));
  const feeds = {
    ids: { dtype: 'i32' as const, shape: [rows.length, 77], data },
    ...(await loadParams(outputs)),
  };
  return evaluate(outputs, feeds).map((v) => v.data as Float32Array);
}

const close = (a: Float32Array, b: Float32Array, tol = 1e-4) => {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThan(tol));
};

describe('the family table', () => {
  it('puts clip skip where A1111/kohya do: SD1 −N, SD2 below its penultimate, SDXL fixed', () => {
    const sd1 = FAMILIES.sd1;
    expect(conditioningLayer(sd1, sd1.textEncoders[0])).toBe(-1);
    expect(conditioningLayer(sd1, sd1.textEncoders[0], 2)).toBe(-2);
    expect(conditioningLayer(FAMILIES.sd2, FAMILIES.sd2.textEncoders[0], 2)).toBe(-3);
    for (const te of FAMILIES.sdxl.textEncoders) expect(conditioningLayer(FAMILIES.sdxl, te, 2)).toBe(-2);
    expect(() => conditioningLayer(sd1, sd1.textEncoders[0], 0)).toThrow(
      /clip skip must be an integer from 1 to 12/,
    );
    expect(CONDITIONING.sdxl.finalNorm).toBe(false);
    expect(CONDITIONING.sd1.finalNorm).toBe(true);
  });

  it('builds one graph per family with the right widths (full-size SDXL: 2048 channels, 1280 pooled)', () => {
    const g = new Graph();
    // Shape-only parameters, named per component like ComponentWeights does.
    const shapeOnly = (component: string) => ({
      param: (gg: Graph, name: string, shape: readonly number[]) =>
        gg.param(
          `${component}.${name}`,
          { file: '', key: name, storedAs: 'F32', byteStart: 0, byteEnd: 0 },
          'f32',
          shape,
        ),
    });
    const { context, pooled } = buildConditioning(g, FAMILIES.sdxl, shapeOnly);
    expect(context.shape).toEqual(['N', 77, 2048]);
    expect(pooled?.shape).toEqual(['N', 1280]);
    expect(buildConditioning(new Graph(), FAMILIES.sd2, shapeOnly).context.shape).toEqual(['N', 77, 1024]);
  });

  it('sdxlTimeIds orders sizes as [orig_h, orig_w, crop_top, crop_left, target_h, target_w]', () => {
    const ids = sdxlTimeIds({ width: 1024, height: 768 }, { top: 16, left: 8 }, { width: 896, height: 640 });
    expect(Array.from(ids)).toEqual([768, 1024, 16, 8, 640, 896]);
  });
});

describe('Encoder on tiny checkpoints', () => {
  it('refuses a tokenizer whose ids run past the text encoder; the model’s own tokenizer encodes', async () => {
    const pipe = await openCheckpoint(paths['tiny-pipe-diffusers']);
    expect(() => Encoder.fromCheckpoint(pipe, tok)).toThrow(
      /cannot encode prompts for this model: text_encoder: a 1000-token vocabulary/,
    );
    const own = Encoder.fromCheckpoint(pipe, await loadModelTokenizer(paths['tiny-pipe-diffusers']), {
      cacheDir: join(dir, 'onnx'),
    });
    encoders.push(own);
    const c = await own.encode('a photo of a cat');
    expect(c.shape).toEqual([1, 77, 32]);
    expect(Math.max(...c.ids[0][0])).toBeLessThan(1000);
    expect(c.context.every(Number.isFinite)).toBe(true);
  });

  it('SD1: a short prompt is one 77-token row, last layer with final LN', async () => {
    const e = encoder('tiny-sd1');
    const c = await e.encode('a photo of a cat');
    expect(c.shape).toEqual([1, 77, 32]);
    expect(c.pooled).toBeUndefined();
    expect(Array.from(c.ids[0][0].slice(0, 7))).toEqual([49406, 320, 1125, 539, 320, 2368, 49407]);
    const [want] = await reference(opened['tiny-sd1'], 0, c.ids[0], -1, true);
    close(c.context, want);
  });

  it('a 100-token prompt gives two chunks, 154 context tokens, each chunk encoded on its own', async () => {
    const e = encoder('tiny-sd1');
    const long = await e.encode(LONG);
    expect(long.ids[0].length).toBe(2);
    expect(long.shape).toEqual([1, 154, 32]);
    const first = await e.encode(FIRST_75);
    expect(first.shape).toEqual([1, 77, 32]);
    close(long.context.slice(0, 77 * 32), first.context, 1e-5);
    // The second chunk restarts at position 0 with its own bos: it differs from the first chunk's tail.
    expect(long.ids[0][1][0]).toBe(49406);
    const [second] = await reference(opened['tiny-sd1'], 0, [long.ids[0][1]], -1, true);
    close(long.context.slice(77 * 32), second);
  });

  it('clip skip 2 on SD1 is the penultimate layer with final LN (A1111/kohya)', async () => {
    const c = await encoder('tiny-sd1', 2).encode('a photo of a cat');
    const [want] = await reference(opened['tiny-sd1'], 0, c.ids[0], -2, true);
    close(c.context, want);
    const plain = await encoder('tiny-sd1').encode('a photo of a cat');
    expect(c.context).not.toEqual(plain.context);
  });

  it('SD2: zero padding, penultimate layer with final LN', async () => {
    const c = await encoder('tiny-sd2').encode('a photo of a cat');
    expect(c.ids[0][0][7]).toBe(0);
    const [want] = await reference(opened['tiny-sd2'], 0, c.ids[0], -2, true);
    close(c.context, want);
  });

  it('SDXL: both encoders penultimate without final LN, joined on channels; pooled from bigG', async () => {
    const ckpt = opened['tiny-sdxl'];
    const c = await encoder('tiny-sdxl').encode('a photo of a cat');
    expect(c.shape).toEqual([1, 77, 64]);
    expect(c.ids[0][0][7]).toBe(49407);
    expect(c.ids[1][0][7]).toBe(0);
    const [l] = await reference(ckpt, 0, c.ids[0], -2, false);
    const [gHidden, gPooled] = await reference(ckpt, 1, c.ids[1], -2, false);
    for (let t = 0; t < 77; t++) {
      close(c.context.slice(t * 64, t * 64 + 32), l.slice(t * 32, (t + 1) * 32));
      close(c.context.slice(t * 64 + 32, (t + 1) * 64), gHidden.slice(t * 32, (t + 1) * 32));
    }
    close(c.pooled!, gPooled);
  });

  it('SDXL: an empty negative prompt is all zeros; an empty positive one is encoded', async () => {
    const e = encoder('tiny-sdxl');
    const neg = await e.encode('', { negative: true });
    expect(neg.shape).toEqual([1, 77, 64]);
    expect(neg.context.every((v) => v === 0)).toBe(true);
    expect(neg.pooled).toEqual(new Float32Array(32));
    const pos = await e.encode('');
    expect(pos.context.some((v) => v !== 0)).toBe(true);
    const sd1 = await encoder('tiny-sd1').encode('', { negative: true });
    expect(sd1.context.some((v) => v !== 0)).toBe(true);
  });

  it('SDXL pooled comes from the first chunk of a long prompt', async () => {
    const e = encoder('tiny-sdxl');
    const long = await e.encode(LONG);
    const first = await e.encode(FIRST_75);
    expect(long.shape).toEqual([1, 154, 64]);
    close(long.pooled!, first.pooled!, 1e-5);
  });

  it('identity changes with settings and files, not with the Encoder instance', async () => {
    const a = await encoder('tiny-sd1').identity();
    expect(await encoder('tiny-sd1').identity()).toBe(a);
    expect(await encoder('tiny-sd1', 2).identity()).not.toBe(a);
    expect(await encoder('tiny-sd1-diffusers').identity()).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });
});
