// Element types of the engine IR and their ONNX TensorProto.DataType codes (onnx.proto3, DataType enum).

export type DType = 'f32' | 'f16' | 'bf16' | 'i64' | 'i32' | 'bool';

export interface DTypeInfo {
  /** Bytes per element. */
  bytes: number;
  /** ONNX `TensorProto.DataType` code. */
  onnx: number;
  isFloat: boolean;
}

export const DTYPES: Record<DType, DTypeInfo> = {
  f32: { bytes: 4, onnx: 1, isFloat: true },
  f16: { bytes: 2, onnx: 10, isFloat: true },
  bf16: { bytes: 2, onnx: 16, isFloat: true },
  i64: { bytes: 8, onnx: 7, isFloat: false },
  i32: { bytes: 4, onnx: 6, isFloat: false },
  bool: { bytes: 1, onnx: 9, isFloat: false },
};

export function isFloat(dtype: DType): boolean {
  return DTYPES[dtype].isFloat;
}
