// f16/bf16 <-> f32 conversions: exhaustive over f16, against an independent nearest-value oracle, and known values.
import { describe, expect, it } from 'vitest';
import {
  FLOAT_TYPES,
  isFloatDType,
  isFloatPrecision,
  DTYPE_BYTES,
  bf16ToF32,
  decodeToF32,
  f16ToF32,
  f32ToBf16,
  f32ToF16,
  isSafetensorsDType,
} from '../../../src-main/formats/safetensors';
import { seededRandom } from './craft';

/** binary16 value by the textbook formula, independent of the code under test. */
function f16Value(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  if (exp === 0) return sign * mant * 2 ** -24;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

// Positive f16 magnitudes are monotonic in their bits; 0x7c00 stands for 65536, the next step past 65504.
const LADDER = Array.from({ length: 0x7c01 }, (_, k) => (k === 0x7c00 ? 65536 : f16Value(k)));

/** Nearest f16 bits by search, ties to the even pattern. */
function oracleF16(x: number): number {
  if (Number.isNaN(x)) return -1;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= 65536) return sign | 0x7c00;
  let lo = 0;
  let hi = 0x7c00;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (LADDER[mid] <= a) lo = mid;
    else hi = mid;
  }
  if (LADDER[lo] === a) return sign | lo;
  const below = a - LADDER[lo];
  const above = LADDER[hi] - a;
  const pick = below < above ? lo : above < below ? hi : lo % 2 === 0 ? lo : hi;
  return sign | pick;
}

function f32FromBits(bits: number): number {
  return new Float32Array(Uint32Array.of(bits).buffer)[0];
}

describe('f16 <-> f32', () => {
  const all = Uint16Array.from({ length: 65536 }, (_, i) => i);

  it('decodes every f16 bit pattern to its exact value', () => {
    const decoded = f16ToF32(all);
    for (let i = 0; i < 65536; i++) {
      const want = f16Value(i);
      if (Number.isNaN(want)) expect(Number.isNaN(decoded[i])).toBe(true);
      else expect(Object.is(decoded[i], want) || decoded[i] === want).toBe(true);
    }
  });

  it('round-trips all 65536 f16 patterns bit for bit (NaN payloads included)', () => {
    const back = f32ToF16(f16ToF32(all));
    const firstMismatch = back.findIndex((b, i) => b !== i);
    expect(firstMismatch).toBe(-1);
  });

  it('encodes known values', () => {
    const cases: [number, number][] = [
      [1, 0x3c00],
      [65504, 0x7bff],
      [65519, 0x7bff],
      [65520, 0x7c00], // halfway to the next step rounds to even, which is infinity
      [2 ** -14, 0x0400], // 6.1035e-5, smallest normal
      [2 ** -24, 0x0001], // 5.96e-8, smallest subnormal
      [2 ** -25, 0x0000], // tie between 0 and the smallest subnormal: even wins
      [1.5 * 2 ** -25, 0x0001],
      [1 / 3, 0x3555],
      [0.1, 0x2e66],
      [1 + 2 ** -11, 0x3c00],
      [1 + 3 * 2 ** -11, 0x3c02],
      [-0, 0x8000],
      [-2, 0xc000],
      [Infinity, 0x7c00],
      [-Infinity, 0xfc00],
      [1e-45, 0x0000], // an f32 subnormal
    ];
    const got = f32ToF16(Float32Array.from(cases, ([v]) => v));
    expect(Array.from(got, (b) => b.toString(16))).toEqual(cases.map(([, b]) => b.toString(16)));
  });

  it('keeps NaN a NaN, whatever its payload', () => {
    const nans = Uint32Array.of(0x7fc00000, 0x7f800001, 0xffffffff, 0x7f802000);
    for (const h of f32ToF16(new Float32Array(nans.buffer))) {
      expect(h & 0x7c00).toBe(0x7c00);
      expect(h & 0x3ff).not.toBe(0);
    }
  });

  it('matches the nearest-value oracle at every f16 midpoint and on random f32 patterns', () => {
    const probes: number[] = [];
    for (let k = 0; k < 0x7c00; k++) {
      const mid = (LADDER[k] + LADDER[k + 1]) / 2; // exact in f32 for every f16 step
      probes.push(mid, -mid, Math.fround(mid * (1 + 2 ** -20)), Math.fround(mid * (1 - 2 ** -20)));
    }
    const random = seededRandom(7);
    for (let i = 0; i < 100_000; i++) probes.push(f32FromBits(Math.floor(random() * 2 ** 32)));
    const input = Float32Array.from(probes);
    const got = f32ToF16(input);
    const bad = [...input].findIndex((x, i) => !Number.isNaN(x) && got[i] !== oracleF16(x));
    expect(bad, `first mismatch at ${input[bad]}`).toBe(-1);
  });
});

describe('bf16 <-> f32', () => {
  it('encodes known values with round half to even', () => {
    const cases: [number, number][] = [
      [1, 0x3f80],
      [Math.PI, 0x4049],
      [1 + 2 ** -8, 0x3f80], // tie, even stays
      [1 + 3 * 2 ** -8, 0x3f82], // tie, odd rounds up
      [-0, 0x8000],
      [3.4028234663852886e38, 0x7f80], // f32 max rounds to infinity
      [-Infinity, 0xff80],
    ];
    const got = f32ToBf16(Float32Array.from(cases, ([v]) => v));
    expect(Array.from(got, (b) => b.toString(16))).toEqual(cases.map(([, b]) => b.toString(16)));
  });

  it('keeps NaN a NaN (even when the payload lies in the dropped low bits)', () => {
    const nans = new Float32Array(Uint32Array.of(0x7f800001, 0xff800001, 0x7fc00000).buffer);
    expect([...bf16ToF32(f32ToBf16(nans))].every(Number.isNaN)).toBe(true);
  });

  it('picks the nearer of the two bracketing bf16 values on random inputs', () => {
    const random = seededRandom(11);
    for (let i = 0; i < 20_000; i++) {
      const bits = Math.floor(random() * 2 ** 32);
      const x = f32FromBits(bits);
      if (!Number.isFinite(x)) continue;
      const got = bf16ToF32(f32ToBf16(Float32Array.of(x)))[0];
      const lo = f32FromBits((bits & 0xffff0000) >>> 0);
      const hi = f32FromBits(((bits & 0xffff0000) >>> 0) + 0x10000);
      expect([lo, hi]).toContain(got);
      // NOTE: past the largest bf16 the next step is 2^128, which encodes as infinity.
      const step = (v: number) => (Number.isFinite(v) ? v : Math.sign(v) * 2 ** 128);
      const other = got === lo ? hi : lo;
      expect(Math.abs(step(got) - x)).toBeLessThanOrEqual(Math.abs(step(other) - x));
    }
  });

  it('round-trips every bf16 pattern that is not NaN', () => {
    const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const back = f32ToBf16(bf16ToF32(all));
    const bad = all.findIndex((b, i) => (b & 0x7f80) !== 0x7f80 && back[i] !== b);
    expect(bad).toBe(-1);
  });
});

describe('dtype table and decoding', () => {
  it('knows the ten dtypes and their sizes', () => {
    expect(DTYPE_BYTES).toEqual({
      BOOL: 1,
      U8: 1,
      I8: 1,
      I16: 2,
      F16: 2,
      BF16: 2,
      I32: 4,
      F32: 4,
      F64: 8,
      I64: 8,
    });
    expect(isSafetensorsDType('BF16')).toBe(true);
    expect(isSafetensorsDType('U32')).toBe(false);
    expect(isSafetensorsDType('toString')).toBe(false);
  });

  it('decodes each dtype to f32, including from unaligned byte views', () => {
    const raw = new Uint8Array(1 + 16);
    raw.set(new Uint8Array(Float64Array.of(1.5, -2).buffer), 1);
    expect([...decodeToF32('F64', raw.subarray(1))]).toEqual([1.5, -2]);
    expect([...decodeToF32('I64', new Uint8Array(BigInt64Array.of(-3n, 7n).buffer))]).toEqual([-3, 7]);
    expect([...decodeToF32('I8', Uint8Array.of(0xff, 5))]).toEqual([-1, 5]);
    expect([...decodeToF32('U8', Uint8Array.of(0xff, 5))]).toEqual([255, 5]);
    expect([...decodeToF32('BOOL', Uint8Array.of(0, 1))]).toEqual([0, 1]);
    expect([...decodeToF32('I16', new Uint8Array(Int16Array.of(-300).buffer))]).toEqual([-300]);
    expect([...decodeToF32('BF16', new Uint8Array(Uint16Array.of(0x3f80).buffer))]).toEqual([1]);
  });
});

describe('float types: one table for precision names, safetensors and IR dtypes', () => {
  it('maps each precision a user picks to its safetensors and IR names', () => {
    expect(FLOAT_TYPES.fp16).toEqual({ safetensors: 'F16', ir: 'f16' });
    expect(FLOAT_TYPES.bf16.safetensors).toBe('BF16');
    expect(FLOAT_TYPES.fp32.ir).toBe('f32');
    expect(isFloatPrecision('fp16')).toBe(true);
    expect(isFloatPrecision('keep')).toBe(false);
    expect(isFloatPrecision('toString')).toBe(false);
  });

  it('knows the float safetensors dtypes we convert (not F64 or integers)', () => {
    expect(['F32', 'F16', 'BF16'].every(isFloatDType)).toBe(true);
    expect(['F64', 'I64', 'U8', 'BOOL'].some(isFloatDType)).toBe(false);
  });
});
