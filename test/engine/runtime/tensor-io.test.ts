import { describe, expect, it } from 'vitest';
import { convertFloat, dtypeFromOrt, tensor, toF32 } from '../../../src-main/engine/runtime/tensor-io';

describe('tensor-io', () => {
  it('tensor() allocates or checks element counts; convertFloat and toF32 move between float dtypes', () => {
    expect(tensor('i64', [2, 2]).data).toEqual(new BigInt64Array(4));
    expect(() => tensor('f32', [3], new Float32Array(2))).toThrow('tensor f32 [3] needs 3 elements, got 2');
    const h = convertFloat(tensor('f32', [2], new Float32Array([0.5, 3])), 'f16');
    expect(h.dtype).toBe('f16');
    expect(Array.from(toF32(h))).toEqual([0.5, 3]);
    expect(() => convertFloat(tensor('f32', [1]), 'i64')).toThrow('cannot convert f32 to i64');
    expect(Array.from(toF32(tensor('bf16', [2], new Uint16Array([0x3f80, 0xc040]))))).toEqual([1, -3]);
  });

  it('dtypeFromOrt maps ORT type strings back to engine dtypes', () => {
    expect(dtypeFromOrt('float16')).toBe('f16');
    expect(dtypeFromOrt('uint8')).toBeUndefined();
  });
});
