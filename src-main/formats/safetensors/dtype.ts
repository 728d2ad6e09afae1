// Safetensors element types (byte sizes, reference-writer rank) and the f16/bf16 <-> f32 bit conversions.
// Follows docs/reference/checkpoint-formats.md#the-safetensors-container and IEEE 754 binary16 / bfloat16.
// NOTE: typed-array views assume a little-endian host (x64, arm64), which is what the format stores.

export type SafetensorsDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

interface DTypeInfo {
  bytes: number;
  /** Position in the safetensors `Dtype` enum; the reference writer orders tensors by it, descending. */
  rank: number;
}

const DTYPES: Record<SafetensorsDType, DTypeInfo> = {
  BOOL: { bytes: 1, rank: 0 },
  U8: { bytes: 1, rank: 1 },
  I8: { bytes: 1, rank: 2 },
  I16: { bytes: 2, rank: 3 },
  F16: { bytes: 2, rank: 4 },
  BF16: { bytes: 2, rank: 5 },
  I32: { bytes: 4, rank: 6 },
  F32: { bytes: 4, rank: 7 },
  F64: { bytes: 8, rank: 8 },
  I64: { bytes: 8, rank: 9 },
};

export const DTYPE_BYTES = Object.fromEntries(
  Object.entries(DTYPES).map(([dtype, info]) => [dtype, info.bytes]),
) as Record<SafetensorsDType, number>;

export function isSafetensorsDType(value: unknown): value is SafetensorsDType {
  return typeof value === 'string' && Object.hasOwn(DTYPES, value);
}

/**
 * The float types by each name they go by: the precision a user picks (train config `saveDtype`, `--dtype`,
 * the Export screen), the safetensors dtype, and the engine IR's dtype (whose ONNX codes engine/graph/dtype.ts keeps).
 */
export const FLOAT_TYPES = {
  fp32: { safetensors: 'F32', ir: 'f32' },
  fp16: { safetensors: 'F16', ir: 'f16' },
  bf16: { safetensors: 'BF16', ir: 'bf16' },
} as const satisfies Record<string, { safetensors: SafetensorsDType; ir: string }>;

export type FloatPrecision = keyof typeof FLOAT_TYPES;
export type FloatDType = (typeof FLOAT_TYPES)[FloatPrecision]['safetensors'];

const FLOAT_DTYPES: ReadonlySet<string> = new Set(Object.values(FLOAT_TYPES).map((t) => t.safetensors));

/** @example isFloatPrecision('bf16') // true; isFloatPrecision('keep') // false */
export function isFloatPrecision(value: unknown): value is FloatPrecision {
  return typeof value === 'string' && Object.hasOwn(FLOAT_TYPES, value);
}

/** A safetensors dtype that holds floats we read and write (F32, F16, BF16; not F64). @example isFloatDType('BF16') // true */
export function isFloatDType(dtype: string): dtype is FloatDType {
  return FLOAT_DTYPES.has(dtype);
}

export function dtypeRank(dtype: SafetensorsDType): number {
  return DTYPES[dtype].rank;
}

/** One f32 bit pattern to the nearest f16 (round half to even); NaN stays NaN with its top payload bits. */
function f16FromBits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant === 0 ? 0 : mant >>> 13 || 0x200);
  const e = exp - 127; // unbiased; f32 subnormals (e = -127) are far below the f16 range and round to ±0
  if (e >= 16) return sign | 0x7c00;
  if (e >= -14) return sign | roundShift(((e + 15) << 23) | mant, 13);
  // NOTE: f16 subnormal unit is 2^-24, so the 24-bit significand shifts right by -e-1.
  const shift = -e - 1;
  if (shift > 24) return sign;
  return sign | roundShift(mant | 0x800000, shift);
}

/** `value >> shift`, rounded half to even; a carry into the exponent field is the correct encoding. */
function roundShift(value: number, shift: number): number {
  const half = 1 << (shift - 1);
  const rest = value & ((1 << shift) - 1);
  const kept = value >>> shift;
  return rest > half || (rest === half && (kept & 1) === 1) ? kept + 1 : kept;
}

/** f32 → f16 bits, round half to even, with subnormals, ±inf and NaN. Example: `f32ToF16(Float32Array.of(1))[0] === 0x3c00`. */
export function f32ToF16(src: Float32Array): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const out = new Uint16Array(src.length);
  for (let i = 0; i < bits.length; i++) out[i] = f16FromBits(bits[i]);
  return out;
}

/** f16 bits → f32 (exact). Example: `f16ToF32(Uint16Array.of(0x3c00))[0] === 1`. */
export function f16ToF32(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < src.length; i++) {
    const h = src[i];
    const sign = (h & 0x8000) << 16;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0x1f) bits[i] = sign | 0x7f800000 | (mant << 13);
    else if (exp !== 0) bits[i] = sign | ((exp + 112) << 23) | (mant << 13);
    else out[i] = (sign ? -mant : mant) * 2 ** -24; // zero or subnormal, exact in f32
  }
  return out;
}

/** f32 → bf16 bits, round half to even; NaN stays a (quiet) NaN. Example: `f32ToBf16(Float32Array.of(1))[0] === 0x3f80`. */
export function f32ToBf16(src: Float32Array): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const out = new Uint16Array(src.length);
  for (let i = 0; i < bits.length; i++) {
    const x = bits[i];
    if ((x & 0x7fffffff) > 0x7f800000) out[i] = (x >>> 16) | 0x40;
    else out[i] = (x + 0x7fff + ((x >>> 16) & 1)) >>> 16;
  }
  return out;
}

/** bf16 bits → f32 (exact). Example: `bf16ToF32(Uint16Array.of(0x3f80))[0] === 1`. */
export function bf16ToF32(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < src.length; i++) bits[i] = src[i] << 16;
  return out;
}

/** A typed view of `bytes`, copying first when the byte offset is not aligned to the element size. */
function view<T>(
  bytes: Uint8Array,
  size: number,
  make: (buffer: ArrayBufferLike, offset: number, length: number) => T,
): T {
  const aligned = bytes.byteOffset % size === 0 ? bytes : bytes.slice();
  return make(aligned.buffer, aligned.byteOffset, aligned.byteLength / size);
}

type Decoder = (bytes: Uint8Array) => Float32Array;

const TO_F32: Record<SafetensorsDType, Decoder> = {
  F32: (b) => view(b, 4, (buf, o, n) => new Float32Array(buf, o, n)),
  F16: (b) => f16ToF32(view(b, 2, (buf, o, n) => new Uint16Array(buf, o, n))),
  BF16: (b) => bf16ToF32(view(b, 2, (buf, o, n) => new Uint16Array(buf, o, n))),
  F64: (b) => Float32Array.from(view(b, 8, (buf, o, n) => new Float64Array(buf, o, n))),
  I64: (b) =>
    Float32Array.from(
      view(b, 8, (buf, o, n) => new BigInt64Array(buf, o, n)),
      Number,
    ),
  I32: (b) => Float32Array.from(view(b, 4, (buf, o, n) => new Int32Array(buf, o, n))),
  I16: (b) => Float32Array.from(view(b, 2, (buf, o, n) => new Int16Array(buf, o, n))),
  I8: (b) => Float32Array.from(new Int8Array(b.buffer, b.byteOffset, b.byteLength)),
  U8: (b) => Float32Array.from(b),
  BOOL: (b) => Float32Array.from(b, (v) => (v === 0 ? 0 : 1)),
};

/** Raw little-endian element bytes of `dtype` → f32 values (I64 beyond 2^24 loses precision, as f32 must). */
export function decodeToF32(dtype: SafetensorsDType, bytes: Uint8Array): Float32Array {
  return TO_F32[dtype](bytes);
}
