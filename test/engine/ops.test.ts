// Every op of the OPS table, keyed by OpKind so a new op without a case fails to compile and fails here:
// forward (and the emitted VJP graph) on ORT CPU vs the float64 interpreter, |ort − ref| ≤ 1e-5 + 1e-5·|ref|
// (f16 outputs 1e-3 + 1e-3·|ref|); every differentiable op's VJP vs central differences (eps 1e-6, rtol 1e-5).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Graph } from '../../src-main/engine/graph/builder';
import { evaluate } from '../../src-main/engine/graph/interpret';
import * as nn from '../../src-main/engine/graph/nn';
import type { Node, ParamRef } from '../../src-main/engine/graph/node';
import { OP_KINDS, type OpKind } from '../../src-main/engine/graph/ops';
import { liveOrder } from '../../src-main/engine/graph/verify';
import { grad } from '../../src-main/engine/autodiff/grad';
import { VJP } from '../../src-main/engine/autodiff/index';
import { compileGraph } from '../../src-main/engine/runtime/compile';
import type { TensorValue } from '../../src-main/engine/runtime/tensor-io';
import { readSafetensorsHeader, writeSafetensors } from '../../src-main/formats/safetensors';
import { checkOp, type CheckOptions, type InputSpec } from './autodiff/check-op';
import {
  checkOrt,
  expectClose,
  expectFiniteDifferences,
  hostFeeds,
  projectedLoss,
  type OrtCheck,
} from './onnx/check-ort';

type Build = (g: Graph, ...xs: Node[]) => Node;

interface OpCase {
  name: string;
  build: Build;
  inputs: InputSpec[];
  /** Finite-difference options for this case. */
  fd?: CheckOptions;
  /** ORT tolerance where the emitted graph rounds (f16 compute); default from checkOrt. */
  ort?: { atol: number; rtol: number };
  /** Why this case has no gradient check (the op's VJP rule does not cover it). */
  noGrad?: string;
  /** Extra assertions on the built graph. */
  after?: (c: OrtCheck) => void;
}

const pos: Partial<InputSpec> = { lo: 0.5, hi: 2 };
const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
/** Values that stay clear of kinks (Relu, Abs, Max) by more than the FD step. */
const away = (shape: number[]): InputSpec => ({
  shape,
  data: Array.from({ length: sizeOf(shape) }, (_, i) => (i % 2 ? 1 : -1) * (0.3 + 0.1 * i)),
});
/** A frozen weight: a Constant, so no gradient flows into it. */
const frozen = (g: Graph, shape: number[]) =>
  g.constant(
    Float32Array.from({ length: sizeOf(shape) }, (_, k) => Math.sin(k + 1)),
    shape,
  );
const unary = (name: string, build: Build, spec: Partial<InputSpec> = {}): OpCase[] => [
  { name, build, inputs: [{ shape: [2, 3], ...spec }] },
];

let paramRef: ParamRef;
const dir = mkdtempSync(join(tmpdir(), 'tessera-ops-'));
beforeAll(async () => {
  const file = join(dir, 'w.safetensors');
  await writeSafetensors(file, [
    { name: 'w', dtype: 'F32', shape: [2, 3], data: new Float32Array([1, -2, 3, 0.5, 5, -6]) },
  ]);
  const header = await readSafetensorsHeader(file);
  const e = header.tensors.get('w')!;
  const [byteStart, byteEnd] = [header.dataOffset + e.begin, header.dataOffset + e.end];
  paramRef = { file, key: 'w', storedAs: 'F32', byteStart, byteEnd };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The output-padding ConvTranspose that a frozen stride-2 conv's input gradient must use. */
function expectConvTransposeDx(c: OrtCheck, outputPadding: number[]): void {
  const ct = liveOrder([c.outputs.d_x0]).filter((n) => n.op === 'ConvTranspose');
  expect(ct.map((n) => n.attrs.output_padding)).toEqual([outputPadding]);
}

const CASES = {
  Input: [{ name: 'fed through', build: (_g, x) => x, inputs: [{ shape: [2, 3] }] }],
  Param: [
    {
      name: 'external data by path',
      build: (g, x) => g.mul(x, g.param('w', paramRef, 'f32', [2, 3])),
      inputs: [{ shape: [2, 3] }],
    },
  ],
  Constant: [
    { name: 'f32 alone', build: (g) => g.constant(new Float32Array([1, -2, 3]), [3]), inputs: [] },
    {
      name: 'f16 values given as f32',
      build: (g, x) =>
        g.cast(g.mul(g.cast(x, 'f16'), g.constant(new Float32Array([0.5, 2, -3]), [3], 'f16')), 'f32'),
      inputs: [{ shape: [2, 3] }],
    },
  ],
  Add: [
    { name: 'broadcast', build: (g, a, b) => g.add(a, b), inputs: [{ shape: [2, 3] }, { shape: [3] }] },
    { name: 'both sides', build: (g, a, b) => g.add(a, b), inputs: [{ shape: [2, 1] }, { shape: [1, 3] }] },
  ],
  Sub: [
    { name: 'both sides', build: (g, a, b) => g.sub(a, b), inputs: [{ shape: [2, 1] }, { shape: [1, 3] }] },
  ],
  Mul: [
    { name: 'by a 0-D input', build: (g, a, b) => g.mul(a, b), inputs: [{ shape: [2, 3] }, { shape: [] }] },
  ],
  Div: [
    {
      name: 'broadcast',
      build: (g, a, b) => g.div(a, b),
      inputs: [{ shape: [2, 3] }, { shape: [2, 1], ...pos }],
    },
  ],
  Pow: [
    {
      name: 'tensor exponent',
      build: (g, a, b) => g.pow(a, b),
      inputs: [{ shape: [4], ...pos }, { shape: [4] }],
    },
    { name: 'constant exponent', build: (g, a) => g.pow(a, 2), inputs: [{ shape: [2, 3] }] },
  ],
  Max: [
    {
      name: 'broadcast, no ties',
      build: (g, a, b) => g.max(a, b),
      inputs: [away([2, 3]), { shape: [3], data: [0, 0.05, -0.05] }],
    },
  ],
  Min: [
    {
      name: 'broadcast, no ties',
      build: (g, a, b) => g.min(a, b),
      inputs: [away([2, 3]), { shape: [3], data: [0, 0.05, -0.05] }],
    },
  ],
  Neg: unary('−x', (g, a) => g.neg(a)),
  Exp: unary('eˣ', (g, a) => g.exp(a)),
  Log: unary('ln x', (g, a) => g.log(a), pos),
  Sqrt: unary('√x', (g, a) => g.sqrt(a), pos),
  Reciprocal: unary('1/x', (g, a) => g.reciprocal(a), pos),
  Tanh: unary('tanh', (g, a) => g.tanh(a)),
  Sigmoid: unary('sigmoid', (g, a) => g.sigmoid(a), { lo: -4, hi: 4 }),
  Erf: unary('erf', (g, a) => g.erf(a), { lo: -2, hi: 2 }),
  Sin: unary('sin', (g, a) => g.sin(a), { lo: -3, hi: 3 }),
  Cos: unary('cos', (g, a) => g.cos(a), { lo: -3, hi: 3 }),
  Relu: [{ name: 'away from 0', build: (g, a) => g.relu(a), inputs: [away([2, 3])] }],
  Abs: [{ name: 'away from 0', build: (g, a) => g.abs(a), inputs: [away([2, 3])] }],
  Identity: unary('x', (g, a) => g.identity(a)),
  Greater: [
    {
      name: 'broadcast → bool',
      build: (g, a, b) => g.greater(a, b),
      inputs: [{ shape: [2, 3] }, { shape: [3] }],
    },
  ],
  Equal: [
    {
      name: 'with ties → bool',
      build: (g, a, b) => g.equal(a, b),
      inputs: [
        { shape: [2, 3], data: [1, 2, 3, 4, 2, 6] },
        { shape: [3], data: [1, 2, 6] },
      ],
    },
  ],
  Where: [
    {
      name: 'bool condition, three-way broadcast',
      build: (g, c, a, b) => g.where(c, a, b),
      inputs: [{ shape: [3], data: [1, 0, 1], dtype: 'bool' }, { shape: [2, 3] }, { shape: [1] }],
    },
  ],
  Cast: [
    {
      name: 'f32 → f16 → f32 (f16 gradient on ORT)',
      build: (g, a) => g.cast(g.mul(g.cast(a, 'f16'), g.scalar(2, 'f16')), 'f32'),
      inputs: [{ shape: [2, 3] }],
      ort: { atol: 1e-3, rtol: 1e-3 },
    },
    {
      name: 'f32 → i32 truncates, no gradient',
      build: (g, a) => g.cast(g.cast(a, 'i32'), 'f32'),
      inputs: [{ shape: [4], data: [-2.7, -0.4, 0.6, 3.2] }],
    },
  ],
  MatMul: [
    {
      name: 'batched × 2-D',
      build: (g, a, b) => g.matmul(a, b),
      inputs: [{ shape: [2, 2, 3] }, { shape: [3, 4] }],
    },
    {
      name: '4-D batch broadcast',
      build: (g, a, b) => g.matmul(a, b),
      inputs: [{ shape: [1, 2, 3, 2] }, { shape: [2, 1, 2, 3] }],
    },
  ],
  Conv: [
    {
      name: '3×3 pad 1 + bias, all trainable',
      build: (g, x, w, b) => g.conv(x, w, b, { pads: 1 }),
      inputs: [{ shape: [1, 2, 4, 4] }, { shape: [3, 2, 3, 3] }, { shape: [3] }],
    },
    {
      name: 'stride 2 even size, trainable weight',
      build: (g, x, w) => g.conv(x, w, undefined, { pads: 1, strides: [2, 2] }),
      inputs: [{ shape: [2, 2, 6, 6] }, { shape: [2, 2, 3, 3] }],
    },
    {
      name: 'stride 2 even size, frozen weight: dx = ConvTranspose output_padding 1',
      build: (g, x) => g.conv(x, frozen(g, [3, 2, 3, 3]), undefined, { pads: 1, strides: [2, 2] }),
      inputs: [{ shape: [1, 2, 8, 6] }],
      after: (c) => expectConvTransposeDx(c, [1, 1]),
    },
    {
      name: 'stride 2 odd/even size, frozen weight: output_padding [0, 1]',
      build: (g, x) => g.conv(x, frozen(g, [2, 1, 3, 3]), undefined, { pads: 1, strides: [2, 2] }),
      inputs: [{ shape: [1, 1, 5, 6] }],
      after: (c) => expectConvTransposeDx(c, [0, 1]),
    },
    {
      name: 'dilation 2, asymmetric pads',
      build: (g, x, w) => g.conv(x, w, undefined, { pads: [1, 0, 2, 1], dilations: [2, 2] }),
      inputs: [{ shape: [1, 1, 5, 5] }, { shape: [1, 1, 2, 2] }],
    },
    {
      name: 'groups 2, frozen weight',
      build: (g, x) => g.conv(x, frozen(g, [4, 2, 3, 3]), undefined, { pads: 1, group: 2 }),
      inputs: [{ shape: [1, 4, 3, 3] }],
    },
  ],
  ConvTranspose: [
    {
      name: 'stride 2 output_padding 1 + bias, frozen weight',
      build: (g, x, b) =>
        g.convTranspose(x, frozen(g, [2, 3, 3, 3]), b, { strides: [2, 2], pads: 1, outputPadding: [1, 1] }),
      inputs: [{ shape: [1, 2, 3, 4] }, { shape: [3] }],
    },
  ],
  Reshape: [{ name: 'with −1', build: (g, a) => g.reshape(a, [3, -1]), inputs: [{ shape: [2, 3] }] }],
  Transpose: [
    { name: '3-D perm', build: (g, a) => g.transpose(a, [2, 0, 1]), inputs: [{ shape: [2, 3, 4] }] },
  ],
  Concat: [
    {
      name: 'repeated input',
      build: (g, a, b) => g.concat([a, b, a], 1),
      inputs: [{ shape: [2, 1] }, { shape: [2, 3] }],
    },
  ],
  Slice: [
    {
      name: 'negative start, end past the end',
      build: (g, a) => g.slice(a, [1, -3], [3, 100], [0, 1]),
      inputs: [{ shape: [4, 5] }],
    },
    {
      name: 'step 2',
      build: (g, a) => g.slice(a, [1], [5], [1], [2]),
      inputs: [{ shape: [2, 5] }],
      noGrad: 'the Slice VJP needs step 1',
    },
  ],
  Expand: [
    { name: 'new and size-1 axes', build: (g, a) => g.expand(a, [2, 3, 4]), inputs: [{ shape: [3, 1] }] },
  ],
  Unsqueeze: [{ name: 'two axes', build: (g, a) => g.unsqueeze(a, [0, 3]), inputs: [{ shape: [2, 3] }] }],
  Squeeze: [{ name: 'middle axis', build: (g, a) => g.squeeze(a, [1]), inputs: [{ shape: [2, 1, 3] }] }],
  Pad: [{ name: 'constant 0.5', build: (g, a) => g.pad(a, [0, 1, 2, 0], 0.5), inputs: [{ shape: [2, 3] }] }],
  Resize: [
    {
      name: 'nearest 2×3',
      build: (g, a) => g.resizeNearest(a, [1, 1, 2, 3]),
      inputs: [{ shape: [1, 2, 2, 2] }],
    },
  ],
  Gather: [
    {
      name: 'i64 indices, repeated rows',
      build: (g, d, i) => g.gather(d, i),
      inputs: [{ shape: [4, 3] }, { shape: [2, 2], data: [3, 0, 3, 1], dtype: 'i64' }],
    },
  ],
  ReduceSum: [{ name: 'keepdims', build: (g, a) => g.reduceSum(a, [0, 2]), inputs: [{ shape: [2, 3, 2] }] }],
  ReduceMean: [
    { name: 'no keepdims', build: (g, a) => g.reduceMean(a, [1], false), inputs: [{ shape: [2, 3, 2] }] },
  ],
  ReduceMax: [{ name: 'no ties', build: (g, a) => g.reduceMax(a, [1], false), inputs: [{ shape: [2, 4] }] }],
  Softmax: [
    { name: 'middle axis', build: (g, a) => g.softmax(a, 1), inputs: [{ shape: [2, 3, 2] }] },
    {
      name: 'last axis, large logits',
      build: (g, a) => g.softmax(a),
      inputs: [{ shape: [2, 4], lo: -20, hi: 20 }],
    },
  ],
} satisfies Record<OpKind, OpCase[]>;

const differentiable = (op: OpKind) => VJP[op] !== 'nondiff';
const ROWS = OP_KINDS.flatMap((op) =>
  (CASES[op] as OpCase[]).map((c) => [`${op}: ${c.name}`, op, c] as const),
);

describe('every op on ORT CPU vs the interpreter, every VJP vs finite differences', () => {
  it('has a case for every op kind', () => {
    expect(Object.keys(CASES).sort()).toEqual([...OP_KINDS].sort());
  });

  it.each(ROWS)('%s', async (_label, op, c) => {
    const withGrad = differentiable(op) && !c.noGrad;
    const checked = await checkOrt(c.build, c.inputs, { cacheDir: dir, grad: withGrad, ...c.ort });
    const ops = new Set(liveOrder([checked.outputs.y]).map((n) => n.op));
    expect(ops.has(op), `${op} case does not build a ${op} node`).toBe(true);
    c.after?.(checked);
    if (withGrad) checkOp(c.build, c.inputs, c.fd);
  });

  it('symbolic dim: one session serves N=2 and N=5, forward and gradients, and matches FD', async () => {
    const g = new Graph();
    const [x, w, b] = [g.input('x', 'f32', ['N', 3]), g.input('w', 'f32', [3, 4]), g.input('b', 'f32', [4])];
    const y = g.softmax(g.add(g.matmul(x, w), b)); // [N, 4]
    const r = g.constant(new Float32Array([0.3, -0.7, 1.1, 0.2]), [4]);
    const loss = g.reduceSum(g.mul(y, r), [0, 1], false);
    const grads = grad(g, loss, [x, w, b]);
    const outputs = { y, loss, dx: grads[0], dw: grads[1], db: grads[2] };
    const session = await compileGraph(outputs, { cacheDir: dir });
    try {
      for (const n of [2, 5]) {
        const f = hostFeeds([{ shape: [n, 3] }, { shape: [3, 4] }, { shape: [4] }], n);
        const feeds = { x: f.x0, w: f.x1, b: f.x2 };
        const got = (await session.run(feeds)) as Record<string, TensorValue>;
        const want = evaluate(Object.values(outputs), feeds);
        Object.keys(outputs).forEach((k, i) => expectClose(`${k} N=${n}`, got[k], want[i], 1e-5, 1e-5));
        expect(got.dx.shape).toEqual([n, 3]);
        expectFiniteDifferences(loss, grads, feeds);
      }
    } finally {
      session.dispose();
    }
  });
});

/** Nodes the gradient adds on top of the forward graph of `loss`. */
const backwardNodes = (loss: Node, dx: Node) => {
  const forward = new Set(liveOrder([loss]).map((n) => n.id));
  return liveOrder([dx]).filter((n) => !forward.has(n.id)).length;
};

describe('closed-form normalize gradient (groupNorm, layerNorm)', () => {
  const NORMS: [string, number[], (g: Graph, x: Node) => Node][] = [
    ['groupNorm [2, 4, 3, 2], 2 groups', [2, 4, 3, 2], (g, x) => nn.groupNorm(g, x, 2)],
    ['layerNorm [3, 5]', [3, 5], (g, x) => nn.layerNorm(g, x)],
  ];

  it.each(NORMS)(
    '%s: matches FD, and autodiff takes it (a handful of backward nodes)',
    (_name, shape, norm) => {
      const g = new Graph();
      const x = g.input('x', 'f32', shape);
      const y = norm(g, x);
      const inner = liveOrder([y]).find((n) => g.compositeVjp(n))!; // the normalize Div
      const loss = projectedLoss(g, inner);
      const [viaGrad] = grad(g, loss, [x]);
      const composite = g.compositeVjp(inner)!;
      const dy = grad(g, loss, [inner])[0];
      const [closed] = composite.vjp(g, dy, (n) => n);
      const dx = g.reshape(closed!, x.shape);
      expect(composite.inputs.map((n) => n.shape)).toEqual([inner.shape]);
      const feeds = hostFeeds([{ shape: inner.shape as number[] }]);
      const host = { x: { ...feeds.x0, shape: shape } };
      expectFiniteDifferences(loss, [dx], host);
      const [a, b] = evaluate([dx, viaGrad], host);
      expectClose('closed form vs autodiff', a, b, 1e-6, 1e-5);
      expect(backwardNodes(loss, closed!) - backwardNodes(loss, dy)).toBeLessThanOrEqual(7);
      // The primitive rules needed 18 nodes for this normalize (measured before the closed form existed).
      expect(backwardNodes(loss, viaGrad) - backwardNodes(loss, dy)).toBeLessThanOrEqual(12);
    },
  );
});
