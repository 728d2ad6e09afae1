// Every VJP rule against central finite differences (float64 interpreter, eps 1e-6, rtol 1e-5, atol 1e-7),
// including broadcasting, stride-2 convs with odd/even sizes and kinks kept away from the sample points.

import { describe, expect, it } from 'vitest';
import type { Graph } from '../../../src-main/engine/graph/builder';
import type { Node } from '../../../src-main/engine/graph/node';
import { OP_KINDS } from '../../../src-main/engine/graph/ops';
import { VJP } from '../../../src-main/engine/autodiff/index';
import { checkOp, type InputSpec } from './check-op';

type Build = (g: Graph, ...xs: Node[]) => Node;
const pos: Partial<InputSpec> = { lo: 0.5, hi: 2 };
const away = (shape: number[]): InputSpec => ({
  shape,
  data: Array.from(
    { length: shape.reduce((a, b) => a * b, 1) },
    (_, i) => (i % 2 ? 1 : -1) * (0.3 + 0.1 * i),
  ),
});

/** A frozen (constant) weight with fixed values. */
const sinW = (g: Graph, shape: number[]) =>
  g.constant(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, k) => Math.sin(k + 1)),
    shape,
  );

const CASES: [string, Build, InputSpec[]][] = [
  ['Add (broadcast)', (g, a, b) => g.add(a, b), [{ shape: [2, 3] }, { shape: [3] }]],
  ['Sub (broadcast both)', (g, a, b) => g.sub(a, b), [{ shape: [2, 1] }, { shape: [1, 3] }]],
  ['Mul (scalar)', (g, a, b) => g.mul(a, b), [{ shape: [2, 3] }, { shape: [] }]],
  ['Div', (g, a, b) => g.div(a, b), [{ shape: [2, 3] }, { shape: [2, 1], ...pos }]],
  ['Pow', (g, a, b) => g.pow(a, b), [{ shape: [4], ...pos }, { shape: [4] }]],
  ['Max', (g, a, b) => g.max(a, b), [away([2, 3]), { shape: [3], data: [0, 0.05, -0.05] }]],
  ['Min', (g, a, b) => g.min(a, b), [away([2, 3]), { shape: [3], data: [0, 0.05, -0.05] }]],
  ['Neg', (g, a) => g.neg(a), [{ shape: [3] }]],
  ['Exp', (g, a) => g.exp(a), [{ shape: [3] }]],
  ['Log', (g, a) => g.log(a), [{ shape: [3], ...pos }]],
  ['Sqrt', (g, a) => g.sqrt(a), [{ shape: [3], ...pos }]],
  ['Reciprocal', (g, a) => g.reciprocal(a), [{ shape: [3], ...pos }]],
  ['Tanh', (g, a) => g.tanh(a), [{ shape: [3] }]],
  ['Sigmoid', (g, a) => g.sigmoid(a), [{ shape: [3] }]],
  ['Erf', (g, a) => g.erf(a), [{ shape: [5], lo: -2, hi: 2 }]],
  ['Sin', (g, a) => g.sin(a), [{ shape: [3] }]],
  ['Cos', (g, a) => g.cos(a), [{ shape: [3] }]],
  ['Relu', (g, a) => g.relu(a), [away([6])]],
  ['Abs', (g, a) => g.abs(a), [away([6])]],
  ['Identity', (g, a) => g.identity(a), [{ shape: [3] }]],
  [
    'Where',
    (g, c, a, b) => g.where(c, a, b),
    [{ shape: [3], data: [1, 0, 1], dtype: 'bool' }, { shape: [2, 3] }, { shape: [1] }],
  ],
  [
    'Cast f32→f16→f32',
    (g, a) => g.cast(g.mul(g.cast(a, 'f16'), g.scalar(2, 'f16')), 'f32'),
    [{ shape: [3] }],
  ],
  ['MatMul batched broadcast', (g, a, b) => g.matmul(a, b), [{ shape: [2, 2, 3] }, { shape: [3, 4] }]],
  ['MatMul 4-D', (g, a, b) => g.matmul(a, b), [{ shape: [1, 2, 3, 2] }, { shape: [2, 1, 2, 3] }]],
  [
    'Conv 3×3 pad 1 + bias',
    (g, x, w, b) => g.conv(x, w, b, { pads: 1 }),
    [{ shape: [1, 2, 4, 4] }, { shape: [3, 2, 3, 3] }, { shape: [3] }],
  ],
  [
    'Conv stride 2 even',
    (g, x, w) => g.conv(x, w, undefined, { pads: 1, strides: [2, 2] }),
    [{ shape: [2, 2, 6, 6] }, { shape: [2, 2, 3, 3] }],
  ],
  [
    'Conv stride 2 odd',
    (g, x, w) => g.conv(x, w, undefined, { pads: 1, strides: [2, 2] }),
    [{ shape: [1, 1, 5, 7] }, { shape: [2, 1, 3, 3] }],
  ],
  [
    'Conv dilation 2 asym pads',
    (g, x, w) => g.conv(x, w, undefined, { pads: [1, 0, 2, 1], dilations: [2, 2] }),
    [{ shape: [1, 1, 5, 5] }, { shape: [1, 1, 2, 2] }],
  ],
  [
    'Conv groups (dx only)',
    (g, x) => g.conv(x, sinW(g, [4, 2, 3, 3]), undefined, { pads: 1, group: 2 }),
    [{ shape: [1, 4, 3, 3] }],
  ],
  [
    'ConvTranspose stride 2 output_padding 1',
    (g, x) =>
      g.convTranspose(x, sinW(g, [1, 2, 3, 3]), undefined, {
        strides: [2, 2],
        pads: 1,
        outputPadding: [1, 1],
      }),
    [{ shape: [1, 1, 3, 3] }],
  ],
  ['Reshape', (g, a) => g.reshape(a, [3, -1]), [{ shape: [2, 3] }]],
  ['Transpose', (g, a) => g.transpose(a, [2, 0, 1]), [{ shape: [2, 3, 4] }]],
  ['Concat', (g, a, b) => g.concat([a, b, a], 1), [{ shape: [2, 1] }, { shape: [2, 3] }]],
  ['Slice', (g, a) => g.slice(a, [1, -3], [3, 100], [0, 1]), [{ shape: [4, 5] }]],
  ['Expand', (g, a) => g.expand(a, [2, 3, 4]), [{ shape: [3, 1] }]],
  ['Unsqueeze', (g, a) => g.unsqueeze(a, [0, 3]), [{ shape: [2, 3] }]],
  ['Squeeze', (g, a) => g.squeeze(a, [1]), [{ shape: [2, 1, 3] }]],
  ['Pad', (g, a) => g.pad(a, [0, 1, 2, 0], 0.5), [{ shape: [2, 3] }]],
  ['Resize nearest 2×', (g, a) => g.resizeNearest(a, [1, 1, 2, 3]), [{ shape: [1, 2, 2, 2] }]],
  [
    'Gather',
    (g, d, i) => g.gather(d, i),
    [{ shape: [4, 3] }, { shape: [2, 2], data: [3, 0, 3, 1], dtype: 'i64' }],
  ],
  ['ReduceSum keepdims', (g, a) => g.reduceSum(a, [0, 2]), [{ shape: [2, 3, 2] }]],
  ['ReduceMean no keepdims', (g, a) => g.reduceMean(a, [1], false), [{ shape: [2, 3, 2] }]],
  ['ReduceMax', (g, a) => g.reduceMax(a, [1], false), [{ shape: [2, 4] }]],
  ['Softmax axis 1', (g, a) => g.softmax(a, 1), [{ shape: [2, 3, 2] }]],
];

describe('VJP rules vs central finite differences', () => {
  it.each(CASES)('%s', (_name, build, specs) => {
    checkOp(build, specs);
  });

  it('the table covers every op kind', () => {
    expect(Object.keys(VJP).sort()).toEqual([...OP_KINDS].sort());
  });

  it('Max sends tied gradients to the first input (closed form)', () => {
    const { grads } = checkOp(
      (g, a, b) => g.max(a, b),
      [
        { shape: [2], data: [1, 3] },
        { shape: [2], data: [2, -1] },
      ],
    );
    expect(grads.map((n) => n.op)).not.toContain('Constant');
  });
});
