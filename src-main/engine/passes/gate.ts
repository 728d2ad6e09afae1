// Ordering gates: a zero-valued data dependency that forces ORT to run a node after another one. ORT ignores
// proto order and runs every ready node eagerly, and CSE merges structurally equal recompute
// (docs/reference/ort-notes.md#execution-order); `x + 0·dep[0,…,0]` is the gate measured to survive every
// optimization level.

import type { Graph } from '../graph/builder';
import type { Node } from '../graph/node';

/** One element of `dep` as an f32 scalar: Cast(Reshape(Slice(dep, 0…1), [])). */
function corner(g: Graph, dep: Node): Node {
  const one = dep.shape.length
    ? g.slice(
        dep,
        dep.shape.map(() => 0),
        dep.shape.map(() => 1),
      )
    : dep;
  return g.cast(g.reshape(one, []), 'f32'); // []
}

/**
 * `x` again, but only once every `deps` node exists: Add(x, Cast(Mul(Cast(Σ corner(dep) > 0), 0))).
 * NOTE: going through a bool makes the zero exact even for NaN/Inf deps and carries no gradient back
 * to the deps (Greater is non-differentiable); the Mul by zero stays in f32, so no f16 constant.
 * @example const xLate = gateOn(g, x, [incomingGrad]); // same values as x, scheduled after incomingGrad
 */
export function gateOn(g: Graph, x: Node, deps: readonly Node[]): Node {
  if (deps.length === 0) throw new Error(`${g.scopeName}: gateOn needs at least one dependency`);
  const sum = deps.map((d) => corner(g, d)).reduce((a, b) => g.add(a, b)); // []
  const zero = g.mul(g.cast(g.greater(sum, 0), 'f32'), 0); // [] exactly 0
  return g.add(x, g.cast(zero, x.dtype));
}
