// Reference interpreter vs hand-computed expectations, one or more per op (ONNX operator-page semantics).

import { describe, expect, it } from 'vitest';
import { Graph } from '../../../src-main/engine/graph/builder';
import { evaluate } from '../../../src-main/engine/graph/interpret';
import { iota, nums, run } from './run';

const close = (got: number[], want: number[], tol = 1e-6) => {
  expect(got.length).toBe(want.length);
  got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThanOrEqual(tol));
};

describe('elementwise', () => {
  it('broadcasts binary ops NumPy-style', () => {
    expect(
      run(
        (g, a, b) => g.add(a, b),
        [
          [2, 1],
          [10, 20],
        ],
        [[3], [1, 2, 3]],
      ),
    ).toEqual({ shape: [2, 3], values: [11, 12, 13, 21, 22, 23] });
    expect(run((g, a, b) => g.sub(a, b), [[2], [5, 7]], [[], [1]]).values).toEqual([4, 6]);
    expect(
      run(
        (g, a, b) => g.mul(a, b),
        [
          [1, 2],
          [2, 3],
        ],
        [
          [2, 1],
          [4, 5],
        ],
      ).values,
    ).toEqual([8, 12, 10, 15]);
    expect(run((g, a, b) => g.div(a, b), [[2], [1, 6]], [[1], [4]]).values).toEqual([0.25, 1.5]);
    expect(run((g, a, b) => g.pow(a, b), [[3], [2, 3, 4]], [[1], [2]]).values).toEqual([4, 9, 16]);
    expect(run((g, a, b) => g.max(a, b), [[3], [1, 5, -2]], [[3], [2, 2, 2]]).values).toEqual([2, 5, 2]);
    expect(run((g, a, b) => g.min(a, b), [[3], [1, 5, -2]], [[3], [2, 2, 2]]).values).toEqual([1, 2, -2]);
  });

  it('computes the unary functions', () => {
    const x = [-1.5, 0.25, 0.5, 2];
    const cases: [
      (g: Graph, n: ReturnType<Graph['input']>) => ReturnType<Graph['input']>,
      (v: number) => number,
    ][] = [
      [(g, n) => g.neg(n), (v) => -v],
      [(g, n) => g.exp(n), Math.exp],
      [(g, n) => g.tanh(n), Math.tanh],
      [(g, n) => g.sigmoid(n), (v) => 1 / (1 + Math.exp(-v))],
      [(g, n) => g.sin(n), Math.sin],
      [(g, n) => g.cos(n), Math.cos],
      [(g, n) => g.relu(n), (v) => (v > 0 ? v : 0)],
      [(g, n) => g.abs(n), Math.abs],
      [(g, n) => g.identity(n), (v) => v],
      [(g, n) => g.log(g.abs(n)), (v) => Math.log(Math.abs(v))],
      [(g, n) => g.sqrt(g.abs(n)), (v) => Math.sqrt(Math.abs(v))],
      [(g, n) => g.reciprocal(n), (v) => 1 / v],
    ];
    for (const [f, ref] of cases)
      close(
        run(f, [[4], x]).values,
        x.map((v) => Math.fround(ref(v))),
        1e-6,
      );
  });

  it('computes erf to published values', () => {
    // erf(0.5), erf(1), erf(2), erf(3) from Abramowitz & Stegun table 7.1
    close(
      run((g, a) => g.erf(a), [[5], [0.5, 1, 2, 3, -1]]).values,
      [0.5204998778, 0.8427007929, 0.995322265, 0.9999779095, -0.8427007929],
      1e-7,
    );
  });

  it('compares, selects and casts', () => {
    const g = new Graph();
    const a = g.input('a', 'f32', [4]);
    const feeds = { a: { dtype: 'f32' as const, shape: [4], data: new Float32Array([-1.7, 0, 2.9, 2]) } };
    const [gt, eq, w, toInt, toBool] = evaluate(
      [g.greater(a, 0), g.equal(a, 2), g.where(g.greater(a, 0), a, -5), g.cast(a, 'i64'), g.cast(a, 'bool')],
      feeds,
    );
    expect(nums(gt)).toEqual([0, 0, 1, 1]);
    expect(gt.data).toBeInstanceOf(Uint8Array);
    expect(nums(eq)).toEqual([0, 0, 0, 1]);
    close(Array.from(w.data as Float32Array), [-5, -5, 2.9, 2]);
    expect(Array.from(toInt.data as BigInt64Array)).toEqual([-1n, 0n, 2n, 2n]);
    expect(nums(toBool)).toEqual([1, 0, 1, 1]);
  });
});

describe('MatMul', () => {
  it('multiplies matrices and broadcasts batch dims', () => {
    expect(
      run(
        (g, a, b) => g.matmul(a, b),
        [
          [2, 2],
          [1, 2, 3, 4],
        ],
        [
          [2, 2],
          [5, 6, 7, 8],
        ],
      ).values,
    ).toEqual([19, 22, 43, 50]);
    const r = run(
      (g, a, b) => g.matmul(a, b),
      [
        [2, 1, 2],
        [1, 0, 0, 1],
      ],
      [
        [2, 3],
        [1, 2, 3, 4, 5, 6],
      ],
    );
    expect(r).toEqual({ shape: [2, 1, 3], values: [1, 2, 3, 4, 5, 6] });
  });
});

describe('Conv and ConvTranspose', () => {
  it('convolves without padding', () => {
    const r = run(
      (g, x, w) => g.conv(x, w),
      [[1, 1, 3, 3], iota(9, 1)],
      [
        [1, 1, 2, 2],
        [1, 1, 1, 1],
      ],
    );
    expect(r).toEqual({ shape: [1, 1, 2, 2], values: [12, 16, 24, 28] });
  });

  it('handles stride 2 with padding on odd and even sizes', () => {
    const ones = (n: number) => Array<number>(n).fill(1);
    const odd = run(
      (g, x, w) => g.conv(x, w, undefined, { strides: [2, 2], pads: 1 }),
      [[1, 1, 5, 5], ones(25)],
      [[1, 1, 3, 3], ones(9)],
    );
    expect(odd).toEqual({ shape: [1, 1, 3, 3], values: [4, 6, 4, 6, 9, 6, 4, 6, 4] });
    const even = run(
      (g, x, w) => g.conv(x, w, undefined, { strides: [2, 2], pads: 1 }),
      [[1, 1, 4, 4], ones(16)],
      [[1, 1, 3, 3], ones(9)],
    );
    expect(even).toEqual({ shape: [1, 1, 2, 2], values: [4, 6, 6, 9] });
  });

  it('adds bias, uses groups and dilations', () => {
    const grouped = run(
      (g, x, w, b) => g.conv(x, w, b, { group: 2 }),
      [
        [1, 2, 1, 1],
        [3, 5],
      ],
      [
        [2, 1, 1, 1],
        [2, 10],
      ],
      [[2], [1, 1]],
    );
    expect(grouped.values).toEqual([7, 51]);
    const dil = run(
      (g, x, w) => g.conv(x, w, undefined, { dilations: [2, 2] }),
      [[1, 1, 3, 3], iota(9, 1)],
      [
        [1, 1, 2, 2],
        [1, 0, 0, 1],
      ],
    );
    expect(dil).toEqual({ shape: [1, 1, 1, 1], values: [1 + 9] });
  });

  it('transposes a stride-2 conv with output_padding (hand-computed scatter)', () => {
    const ones9 = Array<number>(9).fill(1);
    const r = run(
      (g, x, w) => g.convTranspose(x, w, undefined, { strides: [2, 2], pads: 1, outputPadding: [1, 1] }),
      [
        [1, 1, 2, 2],
        [1, 2, 3, 4],
      ],
      [[1, 1, 3, 3], ones9],
    );
    expect(r).toEqual({ shape: [1, 1, 4, 4], values: [1, 3, 2, 2, 4, 10, 6, 6, 3, 7, 4, 4, 3, 7, 4, 4] });
    const noPad = run(
      (g, x, w) => g.convTranspose(x, w, undefined, { strides: [2, 2], pads: 1 }),
      [
        [1, 1, 2, 2],
        [1, 2, 3, 4],
      ],
      [[1, 1, 3, 3], ones9],
    );
    expect(noPad).toEqual({ shape: [1, 1, 3, 3], values: [1, 3, 2, 4, 10, 6, 3, 7, 4] });
  });

  it('ConvTranspose is the adjoint of Conv: <Conv(x), y> = <x, ConvT(y)>', () => {
    const g = new Graph();
    const x = g.input('x', 'f32', [1, 2, 5, 4]);
    const y = g.input('y', 'f32', [1, 3, 3, 2]);
    const w = g.input('w', 'f32', [3, 2, 3, 3]);
    const o = { strides: [2, 2], pads: 1 };
    const lhs = g.reduceSum(g.mul(g.conv(x, w, undefined, o), y), [0, 1, 2, 3], false);
    const rhs = g.reduceSum(
      g.mul(x, g.convTranspose(y, w, undefined, { ...o, outputPadding: [0, 1] })),
      [0, 1, 2, 3],
      false,
    );
    const val = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * k));
    const [a, b] = evaluate([lhs, rhs], {
      x: { dtype: 'f32', shape: [1, 2, 5, 4], data: val(40, 1.3) },
      y: { dtype: 'f32', shape: [1, 3, 3, 2], data: val(18, 0.7) },
      w: { dtype: 'f32', shape: [3, 2, 3, 3], data: val(54, 2.1) },
    });
    expect(Math.abs(a.data[0] as number) > 0.1).toBe(true);
    close([a.data[0] as number], [b.data[0] as number], 1e-5);
  });
});

describe('movement', () => {
  const x23 = [[2, 3], iota(6)] as [number[], number[]];
  it('reshapes, transposes, expands, (un)squeezes', () => {
    expect(run((g, a) => g.reshape(a, [3, -1]), x23)).toEqual({ shape: [3, 2], values: iota(6) });
    expect(run((g, a) => g.transpose(a, [1, 0]), x23)).toEqual({ shape: [3, 2], values: [0, 3, 1, 4, 2, 5] });
    expect(run((g, a) => g.expand(a, [2, 2, 3]), x23).values).toEqual([...iota(6), ...iota(6)]);
    expect(
      run(
        (g, a) => g.expand(a, [3, 2]),
        [
          [3, 1],
          [1, 2, 3],
        ],
      ).values,
    ).toEqual([1, 1, 2, 2, 3, 3]);
    expect(run((g, a) => g.unsqueeze(a, [0, -1]), x23).shape).toEqual([1, 2, 3, 1]);
    expect(
      run(
        (g, a) => g.squeeze(a, [1]),
        [
          [2, 1],
          [4, 5],
        ],
      ).shape,
    ).toEqual([2]);
  });

  it('concatenates and slices with ONNX clamping and steps', () => {
    expect(
      run(
        (g, a, b) => g.concat([a, b], 1),
        [
          [2, 1],
          [9, 8],
        ],
        x23,
      ),
    ).toEqual({ shape: [2, 4], values: [9, 0, 1, 2, 8, 3, 4, 5] });
    expect(run((g, a) => g.slice(a, [1], [-1], [0], [3]), [[10], iota(10)]).values).toEqual([1, 4, 7]);
    expect(run((g, a) => g.slice(a, [-2, -100], [100, 2]), x23)).toEqual({
      shape: [2, 2],
      values: [0, 1, 3, 4],
    });
  });

  it('pads, resizes nearest and gathers rows', () => {
    expect(
      run(
        (g, a) => g.pad(a, [1, 0, 0, 1], 7),
        [
          [1, 2],
          [1, 2],
        ],
      ),
    ).toEqual({ shape: [2, 3], values: [7, 7, 7, 1, 2, 7] });
    expect(
      run(
        (g, a) => g.resizeNearest(a, [1, 1, 2, 2]),
        [
          [1, 1, 1, 2],
          [1, 2],
        ],
      ),
    ).toEqual({ shape: [1, 1, 2, 4], values: [1, 1, 2, 2, 1, 1, 2, 2] });
    const g = new Graph();
    const table = g.input('t', 'f32', [3, 2]);
    const idx = g.input('i', 'i64', [2, 1]);
    const [y] = evaluate([g.gather(table, idx)], {
      t: { dtype: 'f32', shape: [3, 2], data: Float32Array.from(iota(6)) },
      i: { dtype: 'i64', shape: [2, 1], data: new BigInt64Array([2n, 0n]) },
    });
    expect(y.shape).toEqual([2, 1, 2]);
    expect(nums(y)).toEqual([4, 5, 0, 1]);
  });
});

describe('reductions and softmax', () => {
  const x = [
    [2, 3],
    [1, 5, 3, 4, 2, 6],
  ] as [number[], number[]];
  it('reduces over axes with and without keepdims', () => {
    expect(run((g, a) => g.reduceSum(a, [1]), x)).toEqual({ shape: [2, 1], values: [9, 12] });
    expect(run((g, a) => g.reduceMean(a, [0], false), x)).toEqual({ shape: [3], values: [2.5, 3.5, 4.5] });
    expect(run((g, a) => g.reduceMax(a, [0, 1], false), x)).toEqual({ shape: [], values: [6] });
  });

  it('softmax along an axis', () => {
    close(
      run(
        (g, a) => g.softmax(a, -1),
        [
          [2, 2],
          [0, Math.log(2), 5, 5],
        ],
      ).values,
      [1 / 3, 2 / 3, 0.5, 0.5],
    );
    close(
      run(
        (g, a) => g.softmax(a, 0),
        [
          [2, 1],
          [0, Math.log(3)],
        ],
      ).values,
      [0.25, 0.75],
    );
  });
});
