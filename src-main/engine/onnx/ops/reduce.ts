// Reductions: at opset 18+ every Reduce* takes `axes` as an optional int64 input, not an attribute
// (ONNX ReduceSum-13 / ReduceMean-18 … operator pages).

import { withInputs, type OpEmitter } from './common';

const axesAsInput: OpEmitter = (n, cx) => {
  const axes = n.attrs.axes as readonly number[] | undefined;
  return withInputs(n, cx, axes === undefined ? [] : [cx.i64(axes)], ['axes']);
};

const REDUCE_OPS = [
  'ReduceSum',
  'ReduceMean',
  'ReduceMax',
  'ReduceMin',
  'ReduceProd',
  'ReduceSumSquare',
  'ReduceL2',
  'ReduceLogSumExp',
];

export const REDUCE_EMITTERS: Record<string, OpEmitter> = Object.fromEntries(
  REDUCE_OPS.map((op) => [op, axesAsInput]),
);
