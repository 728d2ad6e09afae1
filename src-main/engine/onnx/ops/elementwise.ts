// Elementwise ops whose opset-21 form differs from the IR: Cast's `to` and Clip's bounds come from the node
// (ONNX Cast-21, Clip-13 operator pages).

import { DTYPES } from '../../graph/dtype';
import { toAttributes } from '../attributes';
import { ATTR_TYPE } from '../proto';
import { withInputs, type OpEmitter } from './common';

/** `to` is always the node's own dtype, whatever spelling the IR attribute uses. */
const cast: OpEmitter = (n, cx) => ({
  inputs: [cx.value(n.inputs[0])],
  attribute: [
    ...toAttributes(n.op, n.attrs, ['to']),
    { name: 'to', type: ATTR_TYPE.INT, i: DTYPES[n.dtype].onnx },
  ].sort((a, b) => (a.name < b.name ? -1 : 1)),
});

/** min/max attributes become scalar inputs of the node's dtype. */
const clip: OpEmitter = (n, cx) => {
  const bound = (k: string) =>
    typeof n.attrs[k] === 'number' ? cx.scalar(n.dtype, n.attrs[k] as number) : '';
  if (n.inputs.length > 1) return withInputs(n, cx, [], []);
  return withInputs(n, cx, [bound('min'), bound('max')], ['min', 'max']);
};

export const ELEMENTWISE_EMITTERS: Record<string, OpEmitter> = { Cast: cast, Clip: clip };
