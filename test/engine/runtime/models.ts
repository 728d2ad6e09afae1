// Hand-built ONNX models for the runtime tests (independent of the emitter).

import { DTYPES, type DType } from '../../../src-main/engine/graph/dtype';
import {
  ATTR_TYPE,
  encodeModel,
  IR_VERSION,
  OPSET,
  type NodeProto,
  type TensorProto,
} from '../../../src-main/engine/onnx/proto';

type D = number | string;

function value(name: string, dtype: DType, shape: D[]) {
  const dim = shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType: DTYPES[dtype].onnx, shape: { dim } } } };
}

function model(
  nodes: NodeProto[],
  inputs: ReturnType<typeof value>[],
  outputs: ReturnType<typeof value>[],
  initializer: TensorProto[] = [],
) {
  return encodeModel({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'test',
    producerVersion: '0',
    graph: { name: 'g', node: nodes, initializer, input: inputs, output: outputs },
  });
}

/** y = x * 2 + b, x: f32 [N, 3], b: f32 [3]. */
export function affineModel(): Uint8Array {
  const two: TensorProto = {
    name: 'two',
    dims: [],
    dataType: 1,
    rawData: new Uint8Array(new Float32Array([2]).buffer),
  };
  return model(
    [
      { input: ['x', 'two'], output: ['t'], name: 'Mul', opType: 'Mul', attribute: [] },
      { input: ['t', 'b'], output: ['y'], name: 'Add', opType: 'Add', attribute: [] },
    ],
    [value('x', 'f32', ['N', 3]), value('b', 'f32', [3])],
    [value('y', 'f32', ['N', 3])],
    [two],
  );
}

/** A chain of `depth` MatMuls by a [k, k] weight: slow enough to block a thread for a while. */
export function matmulChainModel(k: number, depth: number): Uint8Array {
  const w = new Float32Array(k * k).map((_, i) => ((i * 7919) % 13) / (13 * k));
  const nodes: NodeProto[] = [];
  for (let i = 0; i < depth; i++)
    nodes.push({
      input: [i ? `h${i}` : 'x', 'w'],
      output: [i === depth - 1 ? 'y' : `h${i + 1}`],
      name: `MatMul_${i}`,
      opType: 'MatMul',
      attribute: [],
    });
  return model(
    nodes,
    [value('x', 'f32', ['N', k])],
    [value('y', 'f32', ['N', k])],
    [{ name: 'w', dims: [k, k], dataType: 1, rawData: new Uint8Array(w.buffer) }],
  );
}

/** Softmax along axis 1 with an explicit attribute, to check attributes reach ORT. */
export function softmaxModel(): Uint8Array {
  return model(
    [
      {
        input: ['x'],
        output: ['y'],
        name: 'Softmax',
        opType: 'Softmax',
        attribute: [{ name: 'axis', type: ATTR_TYPE.INT, i: 1 }],
      },
    ],
    [value('x', 'f32', [2, 3])],
    [value('y', 'f32', [2, 3])],
  );
}

/** y = Reshape(x, [2, -1]): valid only when x has an even element count, so ORT fails at run time otherwise. */
export function reshapeModel(): Uint8Array {
  const shape: TensorProto = {
    name: 'shape',
    dims: [2],
    dataType: 7,
    rawData: new Uint8Array(new BigInt64Array([2n, -1n]).buffer),
  };
  return model(
    [{ input: ['x', 'shape'], output: ['y'], name: 'Reshape', opType: 'Reshape', attribute: [] }],
    [value('x', 'f32', ['N'])],
    [value('y', 'f32', [2, 'M'])],
    [shape],
  );
}
