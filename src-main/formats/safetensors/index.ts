// Public face of the safetensors reader/writer; other modules import from here only.

export {
  DTYPE_BYTES,
  FLOAT_TYPES,
  bf16ToF32,
  decodeToF32,
  f16ToF32,
  f32ToBf16,
  f32ToF16,
  isFloatDType,
  isFloatPrecision,
  isSafetensorsDType,
  type FloatDType,
  type FloatPrecision,
  type SafetensorsDType,
} from './dtype';
export { SafetensorsError } from './error';
export {
  MAX_HEADER_BYTES,
  byteLength,
  numel,
  parseSafetensorsHeader,
  referenceOrder,
  summarize,
  type SafetensorsHeader,
  type SafetensorsSummary,
  type TensorEntry,
} from './header';
export { iterateTensors, readSafetensorsHeader, readTensorBytes, readTensorF32 } from './read';
export { tensorFromF32, writeSafetensors, type TensorToWrite } from './write';
