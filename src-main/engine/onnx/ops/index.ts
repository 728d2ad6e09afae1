// The EMIT table: op name → emitter. Ops not listed map 1:1 (same op type, inputs in order, attributes
// by their ONNX names); the families below cover ops whose opset-21 form differs from the IR's.

import { passThrough, type OpEmitter } from './common';
import { SHAPE_EMITTERS } from './shape';
import { REDUCE_EMITTERS } from './reduce';
import { ELEMENTWISE_EMITTERS } from './elementwise';
import { MATMUL_EMITTERS } from './matmul';

export type { EmitContext, NodeSpec, OpEmitter } from './common';
export { absorbedTransposes } from './matmul';

const EMIT: Record<string, OpEmitter> = {
  ...SHAPE_EMITTERS,
  ...REDUCE_EMITTERS,
  ...ELEMENTWISE_EMITTERS,
  ...MATMUL_EMITTERS,
};

export function emitterFor(op: string): OpEmitter {
  return EMIT[op] ?? passThrough;
}
