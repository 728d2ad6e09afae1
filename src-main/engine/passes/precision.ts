// Mixed precision (docs/architecture.md#3-the-engine, docs/reference/ort-notes.md#fp16-on-the-cpu-provider):
// rewrites an f32 graph so params and activations are f16 while statistics, softmax and the loss stay f32,
// and master weights stay f32 inputs; plus loss scaling with an all-finite flag for dynamic loss scaling
// (skip the step on overflow).

import { Graph } from '../graph/builder';
import { isFloat, type DType } from '../graph/dtype';
import type { Node } from '../graph/node';
import type { OpKind } from '../graph/ops';
import { liveOrder } from '../graph/verify';
import { grad, type Rematerializer } from '../autodiff/grad';

export interface PrecisionPolicy {
  /** dtype of params and activations: 'f16' for GPU providers; 'f32' on the CPU provider (ORT emulates f16 there). */
  compute: 'f16' | 'f32';
  /** Trainable inputs: they stay f32 (master weights), so their gradients come back f32. */
  master?: readonly Node[];
  /** Scopes computed wholly in f32 besides the op table, e.g. `(s) => s === 'loss'`. */
  f32Scopes?: (scope: string) => boolean;
}

/**
 * How an op picks its dtype. `compute`: inputs cast to the compute dtype (the matrix products f16 is
 * for). `f32`: inputs cast up, result f32 (statistics, softmax; exp/log/pow overflow in f16). `keep`: as
 * built (Cast names its target; leaves are handled apart). Every other op is `follow`: the widest float
 * among its non-constant inputs, so a norm stays f32 from its statistics to the next MatMul/Conv.
 */
export type PrecisionRule = 'compute' | 'f32' | 'keep' | 'follow';

const RULES: Partial<Record<OpKind, PrecisionRule>> = {
  Input: 'keep',
  Param: 'keep',
  Constant: 'keep',
  Cast: 'keep',
  MatMul: 'compute',
  Conv: 'compute',
  ConvTranspose: 'compute',
  Softmax: 'f32',
  ReduceSum: 'f32',
  ReduceMean: 'f32',
  ReduceMax: 'f32',
  Exp: 'f32',
  Log: 'f32',
  Pow: 'f32',
};

/** The rule for `op` (the RULES table, else follow). */
export const precisionRule = (op: OpKind): PrecisionRule => RULES[op] ?? 'follow';

export interface Precision {
  /** The rewritten graph; build the backward (scaledGrad) in it. */
  graph: Graph;
  /** The requested outputs, cast back to their original dtypes (the session's fetch types do not change). */
  outputs: Record<string, Node>;
  /** The rewritten counterpart of an original node (not cast back): the loss, the master inputs. */
  node(n: Node): Node;
}

/** Rewrites the nodes `outputs` reach into a new Graph under `policy`. */
class Rewrite {
  readonly graph = new Graph();
  private readonly map = new Map<number, Node>();
  private readonly weak = new Set<number>();
  private readonly master: Set<number>;

  constructor(private readonly policy: PrecisionPolicy) {
    this.master = new Set((policy.master ?? []).map((n) => n.id));
  }

  node(n: Node): Node {
    const m = this.map.get(n.id);
    if (!m) throw new Error(`applyPrecision: ${n.op} #${n.id} is not reached by the outputs`);
    return m;
  }

  visit(n: Node): void {
    const out = this.graph.scope(n.scope, () => (n.inputs.length ? this.op(n) : this.leaf(n)));
    const isWeak = n.op === 'Constant' || (n.inputs.length > 0 && n.inputs.every((i) => this.weak.has(i.id)));
    if (isWeak) this.weak.add(n.id);
    this.map.set(n.id, out);
  }

  private leaf(n: Node): Node {
    const g = this.graph;
    const compute = this.policy.compute;
    if (n.op === 'Constant') return g.constant(n.data!, n.shape as number[], n.dtype);
    if (n.op === 'Param')
      return g.param(n.name!, n.param!, isFloat(n.dtype) ? compute : n.dtype, n.shape as number[]);
    // NOTE: inputs keep their declared dtype at the session boundary; activations convert on entry.
    const input = g.input(n.name!, n.dtype, n.shape);
    return isFloat(n.dtype) && !this.master.has(n.id) ? g.cast(input, compute) : input;
  }

  private op(n: Node): Node {
    const inputs = n.inputs.map((i) => this.node(i));
    if (n.inputs.every((i) => this.weak.has(i.id))) return this.graph.op(n.op as OpKind, inputs, n.attrs);
    const target = this.target(n, inputs);
    const cast = inputs.map((x) => (target && isFloat(x.dtype) ? this.graph.cast(x, target) : x));
    return this.graph.op(n.op as OpKind, cast, n.attrs);
  }

  /** The float dtype `n` computes in, or undefined to leave its inputs as they are. */
  private target(n: Node, inputs: readonly Node[]): DType | undefined {
    const op = n.op as OpKind;
    const rule = this.policy.f32Scopes?.(n.scope) && op !== 'Cast' ? 'f32' : precisionRule(op);
    if (rule === 'compute') return this.policy.compute;
    if (rule === 'f32') return 'f32';
    if (rule === 'keep') return undefined;
    const strong = inputs.filter((x, i) => isFloat(x.dtype) && !this.weak.has(n.inputs[i].id));
    if (strong.some((x) => x.dtype === 'f32')) return 'f32';
    return strong.length ? strong[0].dtype : undefined;
  }
}

/**
 * The f16 variant of an f32 graph for GPU providers: params and activations in `policy.compute`, norm
 * statistics, softmax, reductions and `f32Scopes` in f32, master inputs f32. Feeds and fetches keep
 * their dtypes. Build the graph in f32 (the CPU variant is the original graph itself).
 * @example const p = applyPrecision({ loss }, { compute: 'f16', master: lora, f32Scopes: (s) => s === 'loss' });
 *          const { grads, allFinite } = scaledGrad(p.graph, p.node(loss), lora.map(p.node));
 */
export function applyPrecision(outputs: Record<string, Node>, policy: PrecisionPolicy): Precision {
  const rw = new Rewrite(policy);
  for (const n of liveOrder(Object.values(outputs))) rw.visit(n);
  const g = rw.graph;
  const cast = Object.entries(outputs).map(([k, n]) => [k, g.cast(rw.node(n), n.dtype)]);
  return { graph: g, outputs: Object.fromEntries(cast), node: (n) => rw.node(n) };
}

/** Name of the scalar f32 input scaledGrad() creates when no loss-scale node is given. */
export const LOSS_SCALE_INPUT = 'loss_scale';

export interface ScaledGradOptions {
  /** Scalar f32 multiplying the loss before the backward; default: Input 'loss_scale' []. */
  lossScale?: Node;
  /** Gradient checkpointing (passes/recompute.ts `recompute`). */
  rematerialize?: Rematerializer;
}

export interface ScaledGrads {
  /** d loss / d wrt, already divided by the loss scale, each in its wrt's dtype. */
  grads: Node[];
  /** bool []: every gradient element is finite (else skip the step and lower the scale). */
  allFinite: Node;
  lossScale: Node;
}

/**
 * Loss-scaled backward: grads of (loss · scale), divided by scale, and an all-finite flag.
 * @example const { grads, allFinite } = scaledGrad(g, loss, lora); // feed loss_scale = 65536
 */
export function scaledGrad(
  g: Graph,
  loss: Node,
  wrt: readonly Node[],
  o: ScaledGradOptions = {},
): ScaledGrads {
  const lossScale = o.lossScale ?? g.input(LOSS_SCALE_INPUT, 'f32', []);
  const scaled = g.mul(g.cast(loss, 'f32'), lossScale);
  const raw = grad(g, scaled, wrt, { rematerialize: o.rematerialize });
  const grads = raw.map((d) => g.div(d, g.cast(lossScale, d.dtype)));
  // NOTE: Σ of every element is ±Inf/NaN when any element is, and x·0 is 0 only for finite x.
  const sums = grads.map((d) =>
    g.cast(
      g.reduceSum(
        d,
        d.shape.map((_, i) => i),
        false,
      ),
      'f32',
    ),
  );
  const total = sums.length ? sums.reduce((a, b) => g.add(a, b)) : g.scalar(0, 'f32');
  return { grads, allFinite: g.equal(g.mul(total, 0), 0), lossScale };
}
