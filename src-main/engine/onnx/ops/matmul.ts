// MatMul by a transposed frozen weight (`linear`: x Wᵀ with W [out, in] as stored) becomes Gemm(transB=1) on
// the weight itself. Emitted as MatMul(x, Transpose(W)), ORT constant-folds the Transpose into a private
// transposed copy of every linear weight at session creation (memory and seconds); Gemm reads the
// checkpoint's bytes where they lie. Inputs of rank > 2 are flattened to 2-D around the Gemm.

import type { Node } from '../../graph/node';
import { attrOf } from '../../graph/ops';
import { toAttributes } from '../attributes';
import { passThrough, type OpEmitter } from './common';

/** The Param W when `b` is Transpose(W, [1, 0]) of a 2-D frozen weight, else undefined. */
export function transposedWeight(b: Node): Node | undefined {
  if (b.op !== 'Transpose' || b.inputs[0].op !== 'Param' || b.shape.length !== 2) return undefined;
  const perm = attrOf<number[]>(b, 'perm');
  return perm[0] === 1 && perm[1] === 0 ? b.inputs[0] : undefined;
}

/**
 * Transposes of weights that need no emission: every live consumer reads them as a MatMul's right operand
 * (emitted as Gemm on the weight).
 */
export function absorbedTransposes(live: readonly Node[]): Set<number> {
  const candidates = new Set(live.filter((n) => transposedWeight(n)).map((n) => n.id));
  for (const n of live)
    n.inputs.forEach((input, slot) => {
      if (candidates.has(input.id) && !(n.op === 'MatMul' && slot === 1)) candidates.delete(input.id);
    });
  return candidates;
}

const matmul: OpEmitter = (n, cx) => {
  const [a, b] = n.inputs;
  const w = transposedWeight(b);
  if (!w) return passThrough(n, cx);
  const gemm = toAttributes('Gemm', { transB: 1 });
  const rank = a.shape.length;
  if (rank === 2) return { opType: 'Gemm', inputs: [cx.value(a), cx.value(w)], attribute: gemm };
  const inner = w.shape[1] as number;
  const flat = cx.add('Reshape', [cx.value(a), cx.i64([-1, inner])]);
  const y = cx.add('Gemm', [flat, cx.value(w)], gemm);
  const lead = cx.add('Shape', [cx.value(a)], { start: 0, end: rank - 1 });
  const shape = cx.add('Concat', [lead, cx.i64([w.shape[0] as number])], { axis: 0 });
  return { opType: 'Reshape', inputs: [y, shape], attribute: [] };
};

export const MATMUL_EMITTERS: Record<string, OpEmitter> = { MatMul: matmul };
