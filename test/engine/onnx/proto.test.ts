import { describe, expect, it } from 'vitest';
import { ATTR_TYPE, decodeModel, encodeModel, type ModelProto } from '../../../src-main/engine/onnx/proto';
import { toAttribute, toAttributes } from '../../../src-main/engine/onnx/attributes';

const model: ModelProto = {
  irVersion: 10,
  opsetImport: [{ domain: '', version: 21 }],
  producerName: 'p',
  producerVersion: '1',
  graph: {
    name: 'g',
    node: [
      {
        input: ['x'],
        output: ['y'],
        name: 'n',
        opType: 'Softmax',
        attribute: [{ name: 'axis', type: ATTR_TYPE.INT, i: -1 }],
      },
    ],
    initializer: [
      {
        name: 'w',
        dims: [2],
        dataType: 1,
        dataLocation: 1,
        externalData: [{ key: 'location', value: 'w.bin' }],
      },
    ],
    input: [
      {
        name: 'x',
        type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'N' }, { dimValue: 4 }] } } },
      },
    ],
    output: [],
  },
};

describe('proto', () => {
  it('writes onnx.proto3 field numbers (ir_version=1, graph=7, opset_import=8)', () => {
    const bytes = encodeModel(model);
    expect(Array.from(bytes.subarray(0, 2))).toEqual([0x08, 10]); // field 1 varint = 10
    expect(bytes.includes(0x3a)).toBe(true); // field 7, length-delimited
    expect(bytes[bytes.length - 4]).toBe(0x42); // opset_import (field 8) written last: 42 02 10 15
    expect(Array.from(bytes.subarray(bytes.length - 3))).toEqual([0x02, 0x10, 21]);
  });

  it('round-trips through decodeModel, negative int64 included', () => {
    const back = decodeModel(encodeModel(model));
    expect(back.graph.node[0].attribute[0]).toEqual({ name: 'axis', type: ATTR_TYPE.INT, i: -1 });
    expect(back.graph.initializer[0].externalData).toEqual([{ key: 'location', value: 'w.bin' }]);
    expect(back.graph.input[0].type.tensorType.shape.dim).toEqual([{ dimParam: 'N' }, { dimValue: 4 }]);
  });

  it('toAttribute picks INT/FLOAT/INTS/FLOATS/STRING by value and ONNX float names', () => {
    expect(toAttribute('LayerNormalization', 'epsilon', 1)).toEqual({
      name: 'epsilon',
      type: ATTR_TYPE.FLOAT,
      f: 1,
    });
    expect(toAttribute('Conv', 'strides', [2, 2])).toEqual({
      name: 'strides',
      type: ATTR_TYPE.INTS,
      ints: [2, 2],
    });
    expect(toAttribute('X', 'scales', [1, 1.5])).toEqual({
      name: 'scales',
      type: ATTR_TYPE.FLOATS,
      floats: [1, 1.5],
    });
    expect(toAttribute('Resize', 'mode', 'nearest').type).toBe(ATTR_TYPE.STRING);
    expect(() => toAttribute('ConvTranspose', 'output_shape', ['H', 4])).toThrow(
      'ConvTranspose: attribute output_shape=[H,4] has symbolic dims',
    );
    expect(toAttributes('Gemm', { transB: 1, alpha: 2 }).map((a) => a.name)).toEqual(['alpha', 'transB']);
  });
});
