// Public face of the engine's graph and autodiff layers (onnx/ and runtime/ have their own entry points).

export { DTYPES, isFloat, type DType } from './graph/dtype';
export type { Attrs, AttrValue, ConstData, Node, ParamRef } from './graph/node';
export * from './graph/shape';
export { OPS, OP_KINDS, SLICE_END, attrOf, isOpKind, type OpKind, type OpSpec } from './graph/ops';
export { Graph, normAxis, type Operand, type WindowOpts } from './graph/builder';
export * as nn from './graph/nn';
export type { Adapter, AttentionOpts, Conv2dOpts, TimestepOpts } from './graph/nn';
export {
  evaluate,
  evaluate64,
  loadParams,
  type Feeds,
  type TensorValue,
  type TensorValue64,
} from './graph/interpret';
export { verify, liveOrder } from './graph/verify';
export { printGraph } from './graph/print';
export { VJP, type VjpRule } from './autodiff/index';
export { grad, gradMap, type GradOptions } from './autodiff/grad';
