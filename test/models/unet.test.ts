import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  evaluate,
  Graph,
  loadParams,
  type Node,
  type ParamRef,
  type TensorValue,
} from '../../src-main/engine';
import { compileGraph } from '../../src-main/engine/runtime/compile';
import { FAMILIES, type FamilyId } from '../../src-main/models/families';
import { unetParamPairs } from '../../src-main/models/keymap/unet';
import { paramCount } from '../../src-main/models/keymap/params';
import { buildUNet, unetF32Scopes } from '../../src-main/models/unet';
import { applyPrecision } from '../../src-main/engine/passes/precision';
import { componentOf, openCheckpoint } from '../../src-main/models/weights';
import { makeTinyCheckpoints } from '../../scripts/make-tiny-checkpoints';

let dir = '';
let paths: Record<string, string> = {};
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-unet-'));
  paths = await makeTinyCheckpoints(join(dir, 'm'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const wave = (n: number, f: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * f) * 0.8);

/** The UNet of a tiny checkpoint on fixed inputs; returns the graph output and its feeds. */
async function tinyUNet(path: string, id: FamilyId, symbolic = false) {
  const ckpt = await openCheckpoint(path);
  const unet = componentOf(ckpt, 'unet');
  const cfg = FAMILIES[id].unet;
  const [n, h, w, t] = [2, 8, 8, 77];
  const g = new Graph();
  const feeds: Record<string, TensorValue> = {
    sample: { dtype: 'f32', shape: [n, 4, h, w], data: wave(n * 4 * h * w, 0.37) },
    timestep: { dtype: 'f32', shape: [n], data: Float32Array.of(10, 700) },
    context: {
      dtype: 'f32',
      shape: [n, t, cfg.crossAttentionDim],
      data: wave(n * t * cfg.crossAttentionDim, 0.11),
    },
  };
  const [sn, sh, sw, st] = symbolic ? ['N', 'H', 'W', 'T'] : [n, h, w, t];
  const inputs: Parameters<typeof buildUNet>[3] = {
    sample: g.input('sample', 'f32', [sn, 4, sh, sw]),
    timestep: g.input('timestep', 'f32', [sn]),
    context: g.input('context', 'f32', [sn, st, cfg.crossAttentionDim]),
  };
  if (cfg.addition) {
    const pooled = cfg.addition.inputDim - 6 * cfg.addition.timeEmbedDim;
    feeds.text_embeds = { dtype: 'f32', shape: [n, pooled], data: wave(n * pooled, 0.23) };
    feeds.time_ids = {
      dtype: 'f32',
      shape: [n, 6],
      data: Float32Array.of(64, 64, 0, 0, 64, 64, 96, 64, 8, 0, 64, 64),
    };
    inputs.textEmbeds = g.input('text_embeds', 'f32', [sn, pooled]);
    inputs.timeIds = g.input('time_ids', 'f32', [sn, 6]);
  }
  const out = buildUNet(g, cfg, unet, inputs);
  return { out, feeds, unet, g };
}

async function runOrt(out: Node, feeds: Record<string, TensorValue>): Promise<Float32Array> {
  const s = await compileGraph({ out }, { cacheDir: join(dir, 'onnx') });
  const r = (await s.run(feeds)) as Record<string, TensorValue>;
  s.dispose();
  return r.out.data as Float32Array;
}

const worstDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((worst, v, i) => Math.max(worst, Math.abs(v - b[i])), 0);

/** Feeds of another size: batch, latent height/width and context length all differ from tinyUNet's. */
function resized(feeds: Record<string, TensorValue>, n: number, h: number, w: number, t: number) {
  const f = (shape: number[]): TensorValue => ({
    dtype: 'f32',
    shape,
    data: wave(
      shape.reduce((a, b) => a * b, 1),
      0.19,
    ),
  });
  const c = feeds.context.shape[2];
  const out: Record<string, TensorValue> = {
    sample: f([n, 4, h, w]),
    timestep: { dtype: 'f32', shape: [n], data: Float32Array.from({ length: n }, (_, i) => 100 + 300 * i) },
    context: f([n, t, c]),
  };
  if (feeds.text_embeds) {
    out.text_embeds = f([n, feeds.text_embeds.shape[1]]);
    out.time_ids = { dtype: 'f32', shape: [n, 6], data: feeds.time_ids.data.slice(0, 6 * n) };
  }
  return out;
}

describe('buildUNet', () => {
  for (const id of ['tiny-sd1', 'tiny-sd2', 'tiny-sdxl'] as const) {
    it(`${id}: reads every UNet tensor and runs on ORT (tiny-sd1: like the reference interpreter)`, async () => {
      const { out, feeds, unet } = await tinyUNet(paths[id], id);
      expect(out.shape).toEqual([2, 4, 8, 8]);
      expect(unet.unused()).toEqual([]);
      const ort = await runOrt(out, feeds);
      expect(new Set(Array.from(ort.slice(0, 64))).size).toBeGreaterThan(32);
      if (id !== 'tiny-sd1') return; // the float64 interpreter is slow; one family checks the emission
      const [ref] = evaluate([out], { ...feeds, ...(await loadParams([out])) });
      const want = ref.data as Float32Array;
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(ort[i] - want[i]));
      expect(worst).toBeLessThan(1e-3);
    });
  }

  for (const id of ['tiny-sd1', 'tiny-sdxl'] as const) {
    it(`${id}: the single file and the diffusers folder give bit-identical outputs`, async () => {
      const a = await tinyUNet(paths[id], id);
      const b = await tinyUNet(paths[`${id}-diffusers`], id);
      const [x, y] = [await runOrt(a.out, a.feeds), await runOrt(b.out, b.feeds)];
      expect(Buffer.from(x.buffer).equals(Buffer.from(y.buffer))).toBe(true);
    });
  }

  it('tiny-sdxl: one session with symbolic N, H, W, T runs several sizes, like the static-shape graph', async () => {
    const fixed = await tinyUNet(paths['tiny-sdxl'], 'tiny-sdxl');
    const sym = await tinyUNet(paths['tiny-sdxl'], 'tiny-sdxl', true);
    expect(sym.out.shape).toEqual(['N', 4, 'H', 'W']);
    const s = await compileGraph({ out: sym.out }, { cacheDir: join(dir, 'onnx') });
    try {
      const same = (await s.run(fixed.feeds)) as Record<string, TensorValue>;
      expect(worstDiff(same.out.data as Float32Array, await runOrt(fixed.out, fixed.feeds))).toBeLessThan(
        1e-5,
      );
      const other = (await s.run(resized(fixed.feeds, 1, 16, 8, 5))) as Record<string, TensorValue>;
      expect(other.out.shape).toEqual([1, 4, 16, 8]);
      expect(Array.from(other.out.data as Float32Array).every(Number.isFinite)).toBe(true);
    } finally {
      s.dispose();
    }
  });

  it('unetF32Scopes: SD2 upcasts attention scores/softmax/mix to f32 under f16, not the projections', async () => {
    expect(unetF32Scopes(FAMILIES.sd1.unet)).toBeUndefined();
    expect(unetF32Scopes(FAMILIES.sdxl.unet)).toBeUndefined();
    const { out } = await tinyUNet(paths['tiny-sd2'], 'tiny-sd2');
    const f32Scopes = unetF32Scopes(FAMILIES['tiny-sd2'].unet);
    const p = applyPrecision({ out }, { compute: 'f16', ...(f32Scopes ? { f32Scopes } : {}) });
    const matmuls = p.graph.nodes.filter((n) => n.op === 'MatMul');
    const scores = matmuls.filter((n) => /\.attn[12]$/.test(n.scope));
    const projections = matmuls.filter((n) => /\.attn[12]\.to_q$/.test(n.scope));
    expect(scores.length).toBe(2 * projections.length); // q·kᵀ and probs·v per attention
    expect(projections.length).toBeGreaterThan(0);
    expect(scores.every((n) => n.dtype === 'f32')).toBe(true);
    expect(projections.every((n) => n.dtype === 'f16')).toBe(true);
  });

  it('puts every Linear in the scope named by its LDM key (LoRA targets find them)', async () => {
    const { g } = await tinyUNet(paths['tiny-sd1'], 'tiny-sd1');
    const q = g.nodes.find(
      (n) => n.op === 'Param' && n.name === 'unet.input_blocks.1.1.transformer_blocks.0.attn1.to_q.weight',
    );
    expect(q?.scope).toBe('input_blocks.1.1.transformer_blocks.0.attn1.to_q');
  });

  for (const [id, count] of [
    ['sd1', 859_520_964],
    ['sdxl', 2_567_463_684],
  ] as const) {
    it(`${id}: the full-size graph reads exactly the key map's ${count} parameters`, () => {
      const cfg = FAMILIES[id].unet;
      const pairs = unetParamPairs(cfg);
      expect(paramCount(pairs.map((p) => ({ shape: p.ldmShape })))).toBe(count);
      const seen = new Map<string, number[]>();
      const shapeOnly = {
        param(g: Graph, name: string, shape: readonly number[]): Node {
          seen.set(name, [...shape]);
          const ref: ParamRef = { file: '/dev/null', key: name, storedAs: 'F16', byteStart: 0, byteEnd: 0 };
          return g.param(name, ref, 'f32', shape);
        },
      };
      const g = new Graph();
      const n = 1;
      const add = cfg.addition;
      buildUNet(g, cfg, shapeOnly, {
        sample: g.input('sample', 'f32', [n, 4, 32, 32]),
        timestep: g.input('t', 'f32', [n]),
        context: g.input('c', 'f32', [n, 77, cfg.crossAttentionDim]),
        ...(add
          ? { textEmbeds: g.input('te', 'f32', [n, 1280]), timeIds: g.input('ids', 'f32', [n, 6]) }
          : {}),
      });
      expect(new Map(pairs.map((p) => [p.ldm, p.ldmShape]))).toEqual(seen);
    });
  }
});
