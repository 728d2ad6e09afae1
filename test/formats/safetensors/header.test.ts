// Header validation (pure): every malformed case raises SafetensorsError naming the file and the problem.
import { describe, expect, it } from 'vitest';
import {
  MAX_HEADER_BYTES,
  SafetensorsError,
  byteLength,
  numel,
  parseSafetensorsHeader,
  referenceOrder,
  summarize,
} from '../../../src-main/formats/safetensors';

const PATH = '/models/x.safetensors';
const enc = (v: unknown): Uint8Array =>
  new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));

/** Parses `header` as if the file held exactly `dataBytes` bytes of data after it. */
function parse(header: unknown, dataBytes: number) {
  const json = enc(header);
  return parseSafetensorsHeader(PATH, 8 + json.length + dataBytes, json);
}

function problemOf(header: unknown, dataBytes: number): string {
  try {
    parse(header, dataBytes);
  } catch (err) {
    expect(err).toBeInstanceOf(SafetensorsError);
    const e = err as SafetensorsError;
    expect(e.file).toBe(PATH);
    expect(e.message).toBe(`${PATH}: ${e.problem}`);
    expect(e.message).not.toMatch(/\n/);
    return e.problem;
  }
  throw new Error('expected a SafetensorsError');
}

const w = (dtype: string, shape: unknown, offsets: unknown) => ({ dtype, shape, data_offsets: offsets });

describe('parseSafetensorsHeader', () => {
  it('accepts a valid header, orders tensors by data offset and reads metadata', () => {
    const h = parse(
      { __metadata__: { format: 'pt' }, b: w('F16', [2], [16, 20]), a: w('F32', [2, 2], [0, 16]) },
      20,
    );
    expect(h.metadata).toEqual({ format: 'pt' });
    expect([...h.tensors.keys()]).toEqual(['a', 'b']);
    expect(h.tensors.get('b')).toEqual({ name: 'b', dtype: 'F16', shape: [2], begin: 16, end: 20 });
    expect(h.dataOffset).toBe(
      8 +
        enc({ __metadata__: { format: 'pt' }, b: w('F16', [2], [16, 20]), a: w('F32', [2, 2], [0, 16]) })
          .length,
    );
  });

  it('accepts an empty header, 0-dim and zero-size tensors, and space padding', () => {
    expect(parse({}, 0).tensors.size).toBe(0);
    const h = parse({ s: w('F64', [], [0, 8]), z: w('I8', [0, 5], [8, 8]) }, 8);
    expect(h.tensors.get('s')?.shape).toEqual([]);
    expect(h.tensors.get('z')?.end).toBe(8);
    expect(parse(`${JSON.stringify({ a: w('U8', [1], [0, 1]) })}     `, 1).tensors.size).toBe(1);
  });

  it.each([
    ['not JSON', '{"a": ', 0, /not valid JSON/],
    ['JSON but not an object', '[1,2]', 0, /does not start with "\{"/],
    ['leading junk', ' {}', 0, /does not start/],
    ['unknown dtype', { t: w('U32', [1], [0, 4]) }, 4, /tensor "t": unknown dtype "U32"/],
    ['negative dim', { t: w('F32', [-1], [0, 4]) }, 4, /tensor "t": shape must be/],
    ['fractional dim', { t: w('F32', [1.5], [0, 4]) }, 4, /shape must be/],
    ['shape not array', { t: w('F32', 3, [0, 4]) }, 4, /shape must be/],
    ['offsets wrong length', { t: w('F32', [1], [0]) }, 4, /data_offsets must be/],
    ['offsets backwards', { t: w('F32', [1], [4, 0]) }, 4, /run backwards/],
    ['offset past data', { t: w('F32', [1], [0, 8]) }, 4, /past the 4-byte data section/],
    ['size mismatch', { t: w('F32', [2], [0, 4]) }, 4, /shape \[2\] F32 needs 8 bytes, offsets give 4/],
    ['overflowing shape', { t: w('F32', [2 ** 40, 2 ** 40], [0, 4]) }, 4, /needs too many bytes/],
    [
      'overlap',
      { a: w('U8', [4], [0, 4]), b: w('U8', [2], [2, 4]) },
      4,
      /"b" overlaps tensor "a"|"a" overlaps/,
    ],
    [
      'gap',
      { a: w('U8', [2], [0, 2]), b: w('U8', [1], [3, 4]) },
      4,
      /gap in the data section: bytes \[2, 3\)/,
    ],
    ['not starting at 0', { a: w('U8', [2], [2, 4]) }, 4, /gap/],
    ['trailing bytes', { a: w('U8', [2], [0, 2]) }, 5, /cover 2 bytes but the data section holds 5/],
    ['entry not object', { a: [1, 2] }, 0, /tensor "a": entry is not an object/],
    ['metadata not object', { __metadata__: 'x' }, 0, /__metadata__ is not an object/],
    ['metadata non-string', { __metadata__: { n: 1 } }, 0, /__metadata__ value for "n" is not a string/],
  ])('rejects %s', (_label, header, dataBytes, problem) => {
    expect(problemOf(header, dataBytes)).toMatch(problem);
  });

  it('rejects invalid UTF-8, a header past EOF and an oversized header length', () => {
    const bad = Uint8Array.of(0x7b, 0xff, 0x7d);
    expect(() => parseSafetensorsHeader(PATH, 11, bad)).toThrow(/not valid UTF-8/);
    expect(() => parseSafetensorsHeader(PATH, 9, enc('{}'))).toThrow(
      /runs past the end of the file \(9 bytes\)/,
    );
    const huge = new Uint8Array(MAX_HEADER_BYTES + 1);
    expect(() => parseSafetensorsHeader(PATH, 2 ** 40, huge)).toThrow(/exceeds the 100000000-byte limit/);
  });

  it('keeps one line when a tensor name contains a newline', () => {
    expect(problemOf({ 'a\nb': w('X', [1], [0, 1]) }, 1)).toBe('tensor "a\\nb": unknown dtype "X"');
  });
});

describe('helpers', () => {
  it('numel and byteLength handle scalars, zeros and overflow', () => {
    expect(numel([])).toBe(1);
    expect(numel([3, 0, 2 ** 60])).toBe(0);
    expect(numel([2 ** 30, 2 ** 30])).toBeUndefined();
    expect(byteLength([320, 4, 3, 3], 'F16')).toBe(320 * 4 * 9 * 2);
    expect(byteLength([2 ** 26, 2 ** 26], 'F64')).toBeUndefined();
  });

  it('summarize counts tensors, params and dtypes', () => {
    const h = parse(
      { a: w('F32', [2, 3], [0, 24]), b: w('F16', [4], [24, 32]), c: w('F16', [], [32, 34]) },
      34,
    );
    expect(summarize(h)).toEqual({ tensorCount: 3, params: 11, dtypes: { F32: 1, F16: 2 } });
  });

  it('referenceOrder sorts by dtype descending, then name bytes', () => {
    const order = referenceOrder([
      { name: 'b', dtype: 'F16' as const },
      { name: 'a', dtype: 'F16' as const },
      { name: 'z', dtype: 'F32' as const },
      { name: 'i', dtype: 'I64' as const },
      { name: 'q', dtype: 'BF16' as const },
    ]);
    expect(order.map((t) => t.name)).toEqual(['i', 'z', 'q', 'a', 'b']);
  });
});
