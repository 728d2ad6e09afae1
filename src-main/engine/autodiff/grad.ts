// Reverse-mode driver: walks only nodes on a path from `wrt` to the loss (tinygrad `_deepwalk`, ggml
// `grads_needed`), applies the VJP table in reverse id order, un-broadcasts once, accumulates with binary Add.

import type { Graph } from '../graph/builder';
import type { Node } from '../graph/node';
import { OPS, isOpKind } from '../graph/ops';
import { shapeEq, shapeToString } from '../graph/shape';
import { liveOrder } from '../graph/verify';
import { VJP, type VjpRule } from './index';

export interface GradOptions {
  /** Gradient of the loss itself; defaults to ones (a scalar 1 broadcast to the loss shape). */
  seed?: Node;
  /** Gradient checkpointing plugs in here (passes/recompute.ts); gradients stay keyed by original nodes. */
  rematerialize?: Rematerializer;
}

/** Lets a pass substitute what VJP rules read, and see what they produce (to order work after it). */
export interface Rematerializer {
  /** The node the rule of `n` reads instead of `n` (same op, dtype, shape; inputs may be recomputed). */
  read(n: Node, dy: Node): Node;
  /** Each gradient the driver accumulates into `input`, an input of `n`. */
  produced(n: Node, input: Node, dx: Node): void;
}

/** Ids of nodes that depend on some `wrt` node and that the loss depends on. */
function onPath(loss: Node, wrt: readonly Node[]): Set<number> {
  const targets = new Set(wrt.map((w) => w.id));
  const needed = new Set<number>();
  for (const n of liveOrder([loss]))
    if (targets.has(n.id) || n.inputs.some((i) => needed.has(i.id))) needed.add(n.id);
  return needed;
}

/** Sums a gradient of broadcast shape back to `x`'s shape: leading axes, then size-1 axes, then reshape. */
function unbroadcast(g: Graph, x: Node, dx: Node): Node {
  if (shapeEq(dx.shape, x.shape)) return dx;
  const lead = dx.shape.length - x.shape.length;
  if (lead < 0)
    throw new Error(
      `gradient ${shapeToString(dx.shape)} is smaller than its input ${shapeToString(x.shape)}`,
    );
  const axes = dx.shape.flatMap((d, i) => (i < lead || (x.shape[i - lead] === 1 && d !== 1) ? [i] : []));
  const summed = axes.length ? g.reduceSum(dx, axes, true) : dx;
  return g.reshape(summed, x.shape);
}

interface Backprop {
  g: Graph;
  needed: Set<number>;
  grads: Map<number, Node>;
  rematerialize?: GradOptions['rematerialize'];
}

function backprop({ g, needed, grads, rematerialize }: Backprop, n: Node, dy: Node): void {
  if (!isOpKind(n.op) || OPS[n.op].arity === 0) return;
  // A composite with a declared closed-form gradient (e.g. nn.normalize) skips its internal nodes.
  const composite = g.compositeVjp(n);
  const rule = VJP[n.op];
  if (!composite && rule === 'nondiff') return;
  const inputs = composite?.inputs ?? n.inputs;
  const needs = inputs.map((i) => needed.has(i.id));
  const read = (m: Node) => (rematerialize ? rematerialize.read(m, dy) : m);
  const dxs = g.scope(n.scope || 'grad', () =>
    composite ? composite.vjp(g, dy, read) : (rule as VjpRule).vjp(g, read(n), dy, needs),
  );
  inputs.forEach((x, i) => {
    const dx = dxs[i];
    if (!needs[i] || !dx) return;
    const shaped = g.cast(unbroadcast(g, x, dx), x.dtype);
    rematerialize?.produced(n, x, shaped);
    const prior = grads.get(x.id);
    grads.set(x.id, prior ? g.add(prior, shaped) : shaped);
  });
}

/**
 * Gradients of `loss` for every node on a path from `wrt` to it, keyed by node id. Frozen weights and
 * everything upstream of the first `wrt` get no gradient nodes at all.
 * @example const grads = gradMap(g, loss, [a, b]); grads.has(frozenW.id) === false
 */
export function gradMap(g: Graph, loss: Node, wrt: readonly Node[], o: GradOptions = {}): Map<number, Node> {
  const needed = onPath(loss, wrt);
  const grads = new Map<number, Node>();
  if (!needed.has(loss.id)) return grads;
  grads.set(loss.id, o.seed ?? g.expand(g.scalar(1, loss.dtype), loss.shape));
  const order = liveOrder([loss]).filter((n) => needed.has(n.id));
  const state = { g, needed, grads, rematerialize: o.rematerialize };
  for (let i = order.length - 1; i >= 0; i--) {
    const dy = grads.get(order[i].id);
    if (dy) backprop(state, order[i], dy);
  }
  return grads;
}

/**
 * d loss / d w for each `w`, shaped like `w` (zeros when the loss does not depend on it).
 * @example const [dA, dB] = grad(g, g.reduceSum(y, [0, 1], false), [a, b])
 */
export function grad(g: Graph, loss: Node, wrt: readonly Node[], o: GradOptions = {}): Node[] {
  const grads = gradMap(g, loss, wrt, o);
  return wrt.map((w) => grads.get(w.id) ?? g.expand(g.scalar(0, w.dtype), w.shape));
}
