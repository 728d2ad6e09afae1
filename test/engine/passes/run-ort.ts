// Test helper: emit named outputs and run them once on the ORT CPU provider.

import type { Node } from '../../../src-main/engine/graph/node';
import { emitModel } from '../../../src-main/engine/onnx/emit';
import { Session, type Feed, type OptimizationLevel } from '../../../src-main/engine/runtime/session';
import type { TensorValue } from '../../../src-main/engine/runtime/tensor-io';

export async function runOrt(
  outputs: Record<string, Node>,
  feeds: Record<string, Feed>,
  optimization: OptimizationLevel = 'all',
): Promise<Record<string, TensorValue>> {
  const session = await Session.create(emitModel(outputs).bytes, { providers: ['cpu'], optimization });
  try {
    const out = await session.run(feeds);
    return out as Record<string, TensorValue>;
  } finally {
    session.dispose();
  }
}

/** Largest |a − b| relative to the largest |b| (1 when b is all zero). */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / (scale || 1);
}
