// One helper runs an op on ORT CPU against the reference interpreter (tinygrad helper_test_op): the forward
// output and, for differentiable ops, the emitted VJP graph of Σ(out ⊙ R) for a fixed random R.

import { Graph } from '../../../src-main/engine/graph/builder';
import type { DType } from '../../../src-main/engine/graph/dtype';
import { evaluate, evaluate64, loadParams, type Feeds } from '../../../src-main/engine/graph/interpret';
import type { Node } from '../../../src-main/engine/graph/node';
import { grad } from '../../../src-main/engine/autodiff/grad';
import { compileGraph } from '../../../src-main/engine/runtime/compile';
import type { TensorValue } from '../../../src-main/engine/runtime/tensor-io';
import { f16ToF32 } from '../../../src-main/formats/safetensors';
import { seeded, type InputSpec } from '../autodiff/check-op';

export interface OrtCheckOptions {
  /** Folder for compiled models (a temporary folder the caller removes). */
  cacheDir: string;
  /** Also emit and compare the gradients w.r.t. every f32 input. */
  grad?: boolean;
  /** Elementwise |ort − ref| ≤ atol + rtol·|ref|; defaults 1e-5 and 1e-5 (f16 outputs: 1e-3 and 1e-3). */
  atol?: number;
  rtol?: number;
}

export interface OrtCheck {
  g: Graph;
  outputs: Record<string, Node>;
}

/** A feed both ORT (tensor-io) and the interpreter accept. */
export interface HostTensor {
  dtype: DType;
  shape: number[];
  data: Float32Array | BigInt64Array | Uint8Array;
}

/** Seeded feeds x0, x1, … in ORT's host types: f32 Float32Array, i64 BigInt64Array, bool Uint8Array. */
export function hostFeeds(specs: readonly InputSpec[], seed = 99): Record<string, HostTensor> {
  const rand = seeded(seed);
  return Object.fromEntries(
    specs.map((s, i) => {
      const n = s.shape.reduce((a, b) => a * b, 1);
      const [lo, hi] = [s.lo ?? -1, s.hi ?? 1];
      const values = s.data ?? Array.from({ length: n }, () => lo + (hi - lo) * rand());
      const dtype = s.dtype ?? 'f32';
      const data =
        dtype === 'i64'
          ? BigInt64Array.from(values, (v) => BigInt(v))
          : dtype === 'bool'
            ? Uint8Array.from(values)
            : Float32Array.from(values);
      return [`x${i}`, { dtype, shape: [...s.shape], data }];
    }),
  );
}

/** A tensor's values as float64 numbers; f16 bit patterns decoded. */
export function numbers(t: TensorValue): number[] {
  if (t.dtype === 'f16' && t.data instanceof Uint16Array) return Array.from(f16ToF32(t.data));
  return Array.from(t.data as ArrayLike<number | bigint>, Number);
}

/** Throws naming the output and the first element out of tolerance. */
export function expectClose(
  name: string,
  got: TensorValue,
  want: TensorValue,
  atol: number,
  rtol: number,
): void {
  if (got.shape.join(',') !== want.shape.join(','))
    throw new Error(`${name}: ORT shape [${got.shape}] vs reference [${want.shape}]`);
  if (got.dtype !== want.dtype) throw new Error(`${name}: ORT dtype ${got.dtype} vs reference ${want.dtype}`);
  const [a, b] = [numbers(got), numbers(want)];
  b.forEach((w, j) => {
    const tol = atol + rtol * Math.abs(w);
    if (!(Math.abs(a[j] - w) <= tol) && !(Number.isNaN(w) && Number.isNaN(a[j])))
      throw new Error(`${name}[${j}]: ORT ${a[j]} vs reference ${w} (tol ${tol})`);
  });
}

/** Σ(out ⊙ R) with a fixed seeded R: every output element gets a distinct weight in the gradient. */
export function projectedLoss(g: Graph, out: Node, seed = 1234): Node {
  const shape = out.shape as number[];
  const rand = seeded(seed);
  const r = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rand() * 2 - 1);
  const proj = g.mul(out, g.constant(r, shape));
  return shape.length
    ? g.reduceSum(
        proj,
        shape.map((_, i) => i),
        false,
      )
    : proj;
}

/**
 * Builds `build(g, x0, x1, …)`, compiles it (and its gradients with `grad`) for ORT CPU and compares every
 * output with the float64 interpreter rounded to f32.
 * @example await checkOrt((g, a, b) => g.add(a, b), [{ shape: [2, 3] }, { shape: [3] }], { cacheDir, grad: true })
 */
export async function checkOrt(
  build: (g: Graph, ...xs: Node[]) => Node,
  specs: readonly InputSpec[],
  o: OrtCheckOptions,
): Promise<OrtCheck> {
  const g = new Graph();
  const xs = specs.map((s, i) => g.input(`x${i}`, s.dtype ?? 'f32', s.shape));
  const y = build(g, ...xs);
  const outputs: Record<string, Node> = { y };
  if (o.grad) {
    const wrt = xs.filter((x) => x.dtype === 'f32');
    const loss = projectedLoss(g, y);
    outputs.loss = loss;
    grad(g, loss, wrt).forEach((d, k) => (outputs[`d_${wrt[k].name}`] = d));
  }
  const feeds = hostFeeds(specs);
  const nodes = Object.values(outputs);
  const session = await compileGraph(outputs, { cacheDir: o.cacheDir, providers: ['cpu'] });
  try {
    const got = (await session.run(feeds)) as Record<string, TensorValue>;
    const ref = evaluate(nodes, { ...feeds, ...(await loadParams(nodes)) });
    Object.keys(outputs).forEach((name, k) => {
      const f16 = outputs[name].dtype === 'f16';
      const [atol, rtol] = [o.atol ?? (f16 ? 1e-3 : 1e-5), o.rtol ?? (f16 ? 1e-3 : 1e-5)];
      expectClose(name, got[name], ref[k] as TensorValue, atol, rtol);
    });
    return { g, outputs };
  } finally {
    session.dispose();
  }
}

/** Central differences (eps 1e-6) of a scalar loss in float64 against the gradient nodes, one per fed input. */
export function expectFiniteDifferences(loss: Node, grads: Node[], host: Record<string, HostTensor>): void {
  const feeds: Feeds = Object.fromEntries(
    Object.entries(host).map(([k, t]) => [
      k,
      { ...t, shape: [...t.shape], data: Float64Array.from(t.data as Float32Array) },
    ]),
  );
  const analytic = evaluate64(grads, feeds);
  Object.keys(host).forEach((name, k) => {
    const data = feeds[name].data as Float64Array;
    data.forEach((v, j) => {
      const at = (d: number) => {
        data[j] = v + d;
        return evaluate64([loss], feeds)[0].data[0];
      };
      const numeric = (at(1e-6) - at(-1e-6)) / 2e-6;
      data[j] = v;
      const tol = 1e-7 + 1e-5 * Math.abs(numeric);
      if (!(Math.abs(analytic[k].data[j] - numeric) <= tol))
        throw new Error(
          `${name}[${j}]: autodiff ${analytic[k].data[j]} vs finite difference ${numeric} (tol ${tol})`,
        );
    });
  });
}
