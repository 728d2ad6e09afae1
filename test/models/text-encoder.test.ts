// The text-encoder graph: full-size CLIP-L structure from a shape-only source, a 1-layer model against a plain-TS
// forward pass, and the tiny checkpoints on ORT (layouts agree bit for bit, ORT ≈ interpreter, causal mask).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, Graph, liveOrder, loadParams, type Node, type TensorValue } from '../../src-main/engine';
import { compileGraph } from '../../src-main/engine/runtime/compile';
import { FAMILIES, type TextEncoderConfig } from '../../src-main/models/families';
import { clipKeys } from '../../src-main/models/keymap/clip';
import { paramCount } from '../../src-main/models/keymap/params';
import { buildTextEncoder, hiddenStateIndex, type TextParamSource } from '../../src-main/models/text-encoder';
import { componentOf, openCheckpoint } from '../../src-main/models/weights';
import { makeTinyCheckpoints } from '../../scripts/make-tiny-checkpoints';
import { referenceForward, seededValues } from './text-encoder-reference';

const shapeOnly: TextParamSource = {
  param: (g, name, shape) =>
    g.param(name, { file: '', key: name, storedAs: 'F32', byteStart: 0, byteEnd: 0 }, 'f32', shape),
};

const params = (outputs: Node[]): Node[] => liveOrder(outputs).filter((n) => n.op === 'Param');
const numel = (shape: readonly (number | string)[]) => shape.reduce<number>((a, d) => a * Number(d), 1);

const ids = (rows: number[][]): TensorValue => ({
  dtype: 'i32',
  shape: [rows.length, rows[0].length],
  data: Int32Array.from(rows.flat()),
});

/** A 77-token row: bos, the tokens, eos, then eos padding (SD1 style). */
const row = (tokens: number[], pad = 49407): number[] => {
  const r = new Array<number>(77).fill(pad);
  r[0] = 49406;
  tokens.forEach((t, i) => (r[i + 1] = t));
  r[tokens.length + 1] = 49407;
  return r;
};

describe('full-size CLIP-L structure (shape-only)', () => {
  const config = FAMILIES.sd1.textEncoders[0];

  it('reads exactly the HF CLIPTextModel keys and has 123,060,480 parameters', () => {
    const g = new Graph();
    const { hidden, pooled } = buildTextEncoder(g, config, shapeOnly, g.input('ids', 'i32', [1, 77]));
    expect(pooled).toBeUndefined();
    expect(hidden.shape).toEqual([1, 77, 768]);
    const built = params([hidden]);
    expect(new Set(built.map((n) => n.name))).toEqual(new Set(clipKeys(config).map((k) => k.key)));
    const total = built.reduce((sum, n) => sum + numel(n.shape), 0);
    expect(total).toBe(123_060_480);
    expect(total).toBe(paramCount(clipKeys(config)));
  });

  it('SDXL bigG with its projection reads every diffusers key; SD2 penultimate needs only 23 blocks', () => {
    const bigG = FAMILIES.sdxl.textEncoders[1];
    const g = new Graph();
    const out = buildTextEncoder(g, bigG, shapeOnly, g.input('ids', 'i32', ['N', 77]), { finalNorm: false });
    expect(out.pooled?.shape).toEqual(['N', 1280]);
    const names = new Set(params([out.hidden, out.pooled!]).map((n) => n.name));
    expect(names).toEqual(new Set(clipKeys(bigG).map((k) => k.key)));
    const h = FAMILIES.sd2.textEncoders[0];
    const g2 = new Graph();
    const sd2 = buildTextEncoder(g2, h, shapeOnly, g2.input('ids', 'i32', [1, 77]));
    expect(new Set(params([sd2.hidden]).map((n) => n.name))).toEqual(new Set(clipKeys(h).map((k) => k.key)));
  });

  it('names layers by hidden-state index and rejects out-of-range ones', () => {
    expect(hiddenStateIndex(config, -1)).toBe(12);
    expect(hiddenStateIndex(config, -2)).toBe(11);
    expect(hiddenStateIndex(FAMILIES.sd2.textEncoders[0])).toBe(23);
    expect(hiddenStateIndex(config, 0)).toBe(0);
    expect(() => hiddenStateIndex(config, -14)).toThrow(/out of range: the text_encoder has 12 layers/);
    expect(() => hiddenStateIndex(config, 13)).toThrow(/out of range/);
  });
});

describe('a 1-layer encoder against a plain-TS forward pass', () => {
  const tiny: TextEncoderConfig = {
    ...FAMILIES.sd1.textEncoders[0],
    hidden: 8,
    heads: 2,
    mlp: 16,
    layers: 1,
    diffusersLayers: 1,
    vocab: 12,
    maxPositions: 6,
  };
  for (const act of ['quick_gelu', 'gelu'] as const) {
    it(`embeddings + LN + causal attention + ${act} MLP + final LN match`, () => {
      const config = { ...tiny, act };
      const g = new Graph();
      const { hidden } = buildTextEncoder(g, config, shapeOnly, g.input('ids', 'i32', [2, 6]), { layer: -1 });
      const weights = Object.fromEntries(
        params([hidden]).map((n, i) => [n.name!, seededValues(n.shape as number[], i + 1, n.name!)]),
      );
      const tokens = [
        [3, 7, 1, 11, 0, 0],
        [5, 5, 2, 9, 4, 10],
      ];
      const feeds = Object.fromEntries(
        Object.entries(weights).map(([k, v]) => [k, { dtype: 'f32' as const, shape: v.shape, data: v.data }]),
      );
      const [out] = evaluate([hidden], { ...feeds, ids: ids(tokens) });
      const want = tokens.flatMap((t) => referenceForward(config, weights, t).flat());
      const got = Array.from(out.data as Float32Array);
      got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
    });
  }
});

describe('tiny checkpoints on ORT', () => {
  let dir = '';
  let paths: Record<string, string> = {};
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-text-encoder-'));
    paths = await makeTinyCheckpoints(dir);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function runEncoder(
    path: string,
    component: 'text_encoder' | 'text_encoder_2',
    rows: number[][],
    layer?: number,
  ) {
    const ckpt = await openCheckpoint(path);
    const te = ckpt.config.textEncoders.find((t) => t.component === component)!;
    const g = new Graph();
    const out = buildTextEncoder(g, te, componentOf(ckpt, component), g.input('ids', 'i32', ['N', 77]), {
      layer,
    });
    const outputs: Record<string, Node> = out.pooled
      ? { hidden: out.hidden, pooled: out.pooled }
      : { hidden: out.hidden };
    const session = await compileGraph(outputs, { cacheDir: join(dir, 'onnx') });
    try {
      const result = await session.run({ ids: ids(rows) });
      return { result, out, ckpt };
    } finally {
      session.dispose();
    }
  }

  const prompt = [row([320, 1125, 539, 320, 2368]), row([1929, 267, 1047, 5046])];

  for (const id of ['tiny-sd1', 'tiny-sd2', 'tiny-sdxl'] as const) {
    it(`${id}: ORT ≈ interpreter, hidden and pooled`, async () => {
      const ckpt = await openCheckpoint(paths[id]);
      for (const te of ckpt.config.textEncoders) {
        const { result, out } = await runEncoder(paths[id], te.component, prompt);
        const outputs = out.pooled ? [out.hidden, out.pooled] : [out.hidden];
        const ref = evaluate(outputs, { ids: ids(prompt), ...(await loadParams(outputs)) });
        const hidden = result.hidden as TensorValue;
        expect(hidden.shape).toEqual([2, 77, te.hidden]);
        const refHidden = ref[0].data as Float32Array;
        (hidden.data as Float32Array).forEach((v, i) =>
          expect(Math.abs(v - refHidden[i])).toBeLessThan(1e-4),
        );
        if (out.pooled) {
          const pooled = result.pooled as TensorValue;
          expect(pooled.shape).toEqual([2, te.projectionDim]);
          const refPooled = ref[1].data as Float32Array;
          (pooled.data as Float32Array).forEach((v, i) =>
            expect(Math.abs(v - refPooled[i])).toBeLessThan(1e-4),
          );
        }
      }
    });
  }

  /** Builds each encoder as deep as the diffusers model goes and returns what no param() call read. */
  async function unreadTensors(path: string): Promise<{ unused: string[]; ignored: string[] }> {
    const ckpt = await openCheckpoint(path);
    const unused = ckpt.config.textEncoders.flatMap((te) => {
      const weights = componentOf(ckpt, te.component);
      const g = new Graph();
      const opts = { layer: te.diffusersLayers, pooled: te.diffusersProjection };
      buildTextEncoder(g, te, weights, g.input('ids', 'i32', [1, 77]), opts);
      return weights.unused();
    });
    const prefixes = ckpt.config.textEncoders.map((te) => te.ldmPrefix);
    const ignored = ckpt.ignored.map((i) => i.key).filter((k) => prefixes.some((p) => k.startsWith(p)));
    return { unused, ignored };
  }

  it('every text-encoder tensor is read, except what diffusers drops on purpose', async () => {
    for (const id of ['tiny-sd1', 'tiny-sd1-diffusers', 'tiny-sdxl', 'tiny-sdxl-diffusers'])
      expect(await unreadTensors(paths[id]), id).toEqual({
        unused: [],
        ignored: id === 'tiny-sdxl' ? ['conditioner.embedders.1.model.logit_scale'] : [],
      });
    // SD2: the last OpenCLIP block (never used: the penultimate layer conditions), the projection, logit_scale.
    const sd2 = await unreadTensors(paths['tiny-sd2']);
    expect(sd2.unused).toEqual([]);
    expect(sd2.ignored.length).toBe(14);
    expect(sd2.ignored.every((k) => /resblocks\.2\.|text_projection|logit_scale/.test(k))).toBe(true);
  });

  for (const id of ['tiny-sd1', 'tiny-sdxl'] as const) {
    it(`${id}: the single file and the diffusers folder give bit-identical outputs`, async () => {
      const ckpt = await openCheckpoint(paths[id]);
      for (const te of ckpt.config.textEncoders) {
        const a = await runEncoder(paths[id], te.component, prompt);
        const b = await runEncoder(paths[`${id}-diffusers`], te.component, prompt);
        for (const name of Object.keys(a.result)) {
          const x = a.result[name] as TensorValue;
          const y = b.result[name] as TensorValue;
          expect(
            Buffer.compare(Buffer.from(x.data.buffer), Buffer.from(y.data.buffer)),
            `${te.component} ${name}`,
          ).toBe(0);
        }
      }
    });
  }

  it('is causal: changing a later token leaves every earlier position unchanged', async () => {
    const a = row([320, 1125, 539, 320, 2368]);
    const b = [...a];
    b[4] = 4558; // position 4 only
    const { result } = await runEncoder(paths['tiny-sd1'], 'text_encoder', [a, b]);
    const h = (result.hidden as TensorValue).data as Float32Array;
    const d = FAMILIES['tiny-sd1'].textEncoders[0].hidden;
    const at = (n: number, t: number) => Array.from(h.slice((n * 77 + t) * d, (n * 77 + t + 1) * d));
    for (let t = 0; t < 4; t++) expect(at(1, t)).toEqual(at(0, t));
    for (const t of [4, 5, 40]) expect(at(1, t)).not.toEqual(at(0, t));
  });

  it('pools at the first eos: padding after it does not change the pooled vector', async () => {
    const a = row([320, 1125, 539], 0);
    const b = row([320, 1125, 539], 49407);
    const { result } = await runEncoder(paths['tiny-sdxl'], 'text_encoder_2', [a, b]);
    const p = (result.pooled as TensorValue).data as Float32Array;
    const half = p.length / 2;
    expect(Array.from(p.slice(0, half))).toEqual(Array.from(p.slice(half)));
    expect(p.some((v) => v !== 0)).toBe(true);
  });
});
