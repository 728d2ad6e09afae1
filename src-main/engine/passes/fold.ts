// Constant folding before emission: an op whose inputs are all Constants, with a small static output,
// becomes a Constant (computed by the reference interpreter), so ORT sessions get fewer nodes.

import type { ConstData, Node } from '../graph/node';
import type { TensorValue } from '../graph/interpret';

/** The interpreter's contract (graph/interpret.ts `evaluate`). */
export type Evaluate = (outputs: Node[], feeds: Record<string, TensorValue>) => TensorValue[];

export interface FoldResult {
  outputs: Record<string, Node>;
  /** How many op nodes became Constants. */
  folded: number;
}

function staticSize(n: Node): number | null {
  let size = 1;
  for (const d of n.shape) {
    if (typeof d !== 'number') return null;
    size *= d;
  }
  return size;
}

/**
 * Folds constant subexpressions reachable from `outputs`. Rebuilt nodes keep their ids, so id order stays
 * topological and emission names stay stable; untouched nodes are reused as they are.
 * @example const { outputs } = foldConstants({ y }, evaluate);
 */
export function foldConstants(
  outputs: Record<string, Node>,
  evaluate: Evaluate,
  maxElements = 4096,
): FoldResult {
  const memo = new Map<number, Node>();
  let folded = 0;
  const visit = (n: Node): Node => {
    const done = memo.get(n.id);
    if (done) return done;
    const inputs = n.inputs.map(visit);
    let out: Node = inputs.every((x, i) => x === n.inputs[i]) ? n : { ...n, inputs };
    const size = staticSize(out);
    const foldable = out.inputs.length > 0 && out.inputs.every((x) => x.op === 'Constant');
    if (foldable && size !== null && size <= maxElements) {
      const [value] = evaluate([out], {});
      out = {
        id: n.id,
        op: 'Constant',
        dtype: n.dtype,
        shape: n.shape,
        inputs: [],
        attrs: {},
        scope: n.scope,
        data: value.data as ConstData,
      };
      folded++;
    }
    memo.set(n.id, out);
    return out;
  };
  // NOTE: recursion depth is the graph depth; iterate in id order first so deep chains never recurse far.
  const ordered = [...collect(Object.values(outputs))].sort((a, b) => a.id - b.id);
  for (const n of ordered) visit(n);
  return { outputs: Object.fromEntries(Object.entries(outputs).map(([k, n]) => [k, visit(n)])), folded };
}

function collect(roots: readonly Node[]): Set<Node> {
  const seen = new Set<Node>();
  const stack = [...roots];
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    stack.push(...n.inputs);
  }
  return seen;
}
