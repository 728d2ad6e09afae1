// IR checker: every input exists in the same graph and precedes its consumer (so no cycles), arity and
// attributes match the OPS table, and re-running the shape rule reproduces each node's dtype and shape.

import type { Node } from './node';
import { OPS, isOpKind } from './ops';
import { shapeEq, shapeToString } from './shape';

/** The nodes `outputs` reach, in id (= topological) order. */
export function liveOrder(outputs: readonly Node[]): Node[] {
  const seen = new Map<number, Node>();
  const stack = [...outputs];
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n.id)) continue;
    seen.set(n.id, n);
    stack.push(...n.inputs);
  }
  return [...seen.values()].sort((a, b) => a.id - b.id);
}

function problemsOf(n: Node, ids: Map<number, Node>): string[] {
  const out: string[] = [];
  if (!isOpKind(n.op)) return [`unknown op ${n.op}`];
  for (const i of n.inputs) {
    if (ids.get(i.id) !== i) out.push(`input ${i.id} belongs to another graph`);
    else if (i.id >= n.id) out.push(`input ${i.id} does not precede it (cycle or out of order)`);
  }
  if (n.inputs.length === 0) {
    if (n.op === 'Constant' && !n.data) out.push('Constant without data');
    if ((n.op === 'Input' || n.op === 'Param') && !n.name) out.push(`${n.op} without a name`);
    return out;
  }
  const spec = OPS[n.op];
  for (const [k, dflt] of Object.entries(spec.attrs))
    if (dflt === undefined && !(k in n.attrs)) out.push(`missing attribute ${k}`);
  for (const k of Object.keys(n.attrs)) if (!(k in spec.attrs)) out.push(`unknown attribute ${k}`);
  try {
    const r = spec.infer(n.inputs, n.attrs);
    if (r.dtype !== n.dtype || !shapeEq(r.shape, n.shape))
      out.push(
        `is ${n.dtype}${shapeToString(n.shape)} but its rule gives ${r.dtype}${shapeToString(r.shape)}`,
      );
  } catch (e) {
    out.push((e as Error).message);
  }
  return out;
}

/**
 * All problems of the graph reaching `outputs`, one line each ('<scope>: <op> #<id>: …'); empty when sound.
 * @example expect(verify([loss, ...grads])).toEqual([])
 */
export function verify(outputs: readonly Node[]): string[] {
  const order = liveOrder(outputs);
  const ids = new Map(order.map((n) => [n.id, n]));
  return order.flatMap((n) =>
    problemsOf(n, ids).map((p) => `${n.scope || '<root>'}: ${n.op} #${n.id}: ${p}`),
  );
}
