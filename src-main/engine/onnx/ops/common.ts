// What an op emitter sees (EmitContext), what it returns (NodeSpec), and the two shared emitter shapes.

import type { DType } from '../../graph/dtype';
import type { Node } from '../../graph/node';
import type { AttributeProto } from '../proto';
import type { DimVectors } from '../dims';
import { toAttributes } from '../attributes';

/** What an op emitter may use from the emission. */
export interface EmitContext {
  /** Value name of an input node. */
  value(n: Node): string;
  /** Adds a helper node (named under the current node) and returns its output name. */
  add(opType: string, inputs: string[], attrs?: Record<string, number> | AttributeProto[]): string;
  /** int64 1-D initializer (deduplicated). */
  i64(values: readonly number[]): string;
  /** float32 1-D initializer. */
  floats(values: readonly number[]): string;
  /** 0-D initializer. */
  scalar(dtype: DType, v: number): string;
  /** Little-endian bytes of one value of a dtype (for tensor attributes). */
  scalarBytes(dtype: DType, v: number): Uint8Array;
  /** Run-time dim vectors for symbolic shapes. */
  dims: DimVectors;
}

/** The main NodeProto of an op: its output is the op's value. */
export interface NodeSpec {
  opType?: string;
  inputs: string[];
  attribute?: AttributeProto[];
}

export type OpEmitter = (n: Node, cx: EmitContext) => NodeSpec;

/** 1:1: same op type, inputs in order, every attribute. */
export const passThrough: OpEmitter = (n, cx) => ({ inputs: n.inputs.map((i) => cx.value(i)) });

/** Inputs from nodes, then attribute-derived inputs; attributes minus those consumed. */
export function withInputs(n: Node, cx: EmitContext, extra: string[], consumed: readonly string[]): NodeSpec {
  const inputs = [...n.inputs.map((i) => cx.value(i)), ...extra];
  while (inputs.length && inputs[inputs.length - 1] === '') inputs.pop();
  return { inputs, attribute: toAttributes(n.op, n.attrs, consumed) };
}
