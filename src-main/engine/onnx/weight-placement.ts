// Where each frozen weight's bytes are read from: the checkpoint itself wherever its stored dtype is the one
// the graph wants (a safetensors data section is raw little-endian, exactly ONNX external data), else one
// shared converted file per (checkpoint, dtype) that every graph and process reuses. Nothing is copied per
// graph. Row slices become offsets, 1×1-conv squeezes are the same bytes, and a stored transpose is left
// for the graph (emit.ts adds a Transpose node over the stored-shape initializer).

import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readSync,
  realpathSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname, join, parse, relative, sep } from 'node:path';
import type { DType } from '../graph/dtype';
import type { ParamRef } from '../graph/node';
import {
  decodeToF32,
  DTYPE_BYTES,
  f32ToF16,
  FLOAT_TYPES,
  isFloatDType,
  readSafetensorsHeader,
  type SafetensorsDType,
  type SafetensorsHeader,
} from '../../formats/safetensors';
import { replaceAtomicallySync } from '../../formats/atomic-write';

/** Offsets of tensors in files Tessera writes for ORT (converted weights, self-contained model folders). */
export const EXTERNAL_ALIGNMENT = 64 * 1024;

/** The graph dtypes a weight can be loaded as (bf16 is converted), by their safetensors spelling. */
const STORED_AS: Partial<Record<DType, SafetensorsDType>> = Object.fromEntries(
  [FLOAT_TYPES.fp32, FLOAT_TYPES.fp16].map((t) => [t.ir, t.safetensors]),
);

/** One weight as the graph declares it. */
export interface WeightRequest {
  name: string;
  param: ParamRef;
  dtype: DType;
  shape: readonly number[];
}

/** Where the bytes of one initializer lie: an absolute (real) path and a byte range. */
export interface WeightPlacement {
  path: string;
  offset: number;
  length: number;
  /** Set when the file holds the transpose of the declared [r, c] matrix: stored as [c, r]. */
  storedShape?: readonly number[];
}

export type PlaceWeight = (w: WeightRequest) => WeightPlacement;

function count(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Byte range of the declared tensor (row slice applied) inside a tensor stored with `bytes` per element from `start`. */
export function rangeOf(
  w: WeightRequest,
  start: number,
  storedLength: number,
  bytes: number,
): { offset: number; length: number } {
  const n = count(w.shape);
  const tf = w.param.transform;
  let offset = start;
  let length = storedLength;
  if (tf?.kind === 'rows') {
    const rowBytes = (n / (tf.end - tf.start)) * bytes;
    offset += tf.start * rowBytes;
    length = (tf.end - tf.start) * rowBytes;
  }
  if (length !== n * bytes)
    throw new Error(
      `${w.name}: ${w.param.file}#${w.param.key} holds ${length / bytes} elements, the graph declares [${w.shape.join(',')}]`,
    );
  return { offset, length };
}

function storedShapeOf(w: WeightRequest): readonly number[] | undefined {
  return w.param.transform?.kind === 'transpose2d' ? [w.shape[1], w.shape[0]] : undefined;
}

/** Is the weight readable in place (its stored dtype is the graph's)? */
export function readsInPlace(w: Pick<WeightRequest, 'param' | 'dtype'>): boolean {
  return STORED_AS[w.dtype] === w.param.storedAs;
}

/** A checkpoint's identity for the converted store: real path, size and modification time. */
function fileIdentity(real: string): string {
  const st = statSync(real);
  return createHash('sha256')
    .update(JSON.stringify({ real, size: st.size, mtime: st.mtimeMs }))
    .digest('hex')
    .slice(0, 24);
}

/** Layout of a converted file: every float tensor of the checkpoint not already in `dtype`, in header order. */
export function convertedLayout(
  header: Pick<SafetensorsHeader, 'tensors'>,
  dtype: SafetensorsDType,
): Map<string, { offset: number; length: number }> {
  const layout = new Map<string, { offset: number; length: number }>();
  let offset = 0;
  for (const [key, e] of header.tensors) {
    if (!isFloatDType(e.dtype) || e.dtype === dtype) continue;
    const length = ((e.end - e.begin) / DTYPE_BYTES[e.dtype]) * DTYPE_BYTES[dtype];
    layout.set(key, { offset, length });
    offset = Math.ceil((offset + length) / EXTERNAL_ALIGNMENT) * EXTERNAL_ALIGNMENT;
  }
  return layout;
}

function readRange(fd: number, file: string, start: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, out, done, length - done, start + done);
    if (n === 0) throw new Error(`${file}: unexpected end of file at byte ${start + done}`);
    done += n;
  }
  return out;
}

function encode(values: Float32Array, dtype: SafetensorsDType): Uint8Array {
  if (dtype === 'F32') return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  if (dtype === 'F16') return new Uint8Array(f32ToF16(values).buffer);
  throw new Error(`weights convert to F32 or F16, not ${dtype}`);
}

/** Writes the converted file (temp + rename, so a reader never sees half of it). */
function writeConverted(
  header: SafetensorsHeader,
  dtype: SafetensorsDType,
  layout: Map<string, { offset: number; length: number }>,
  target: string,
): void {
  const src = openSync(header.path, 'r');
  try {
    replaceAtomicallySync(target, (tmp) => {
      const out = openSync(tmp, 'w');
      try {
        for (const [key, place] of layout) {
          const e = header.tensors.get(key)!;
          const raw = readRange(src, header.path, header.dataOffset + e.begin, e.end - e.begin);
          const bytes = encode(decodeToF32(e.dtype, raw), dtype);
          writeSync(out, bytes, 0, bytes.length, place.offset);
        }
      } finally {
        closeSync(out);
      }
    });
  } finally {
    closeSync(src);
  }
}

interface Converted {
  path: string;
  layout: Map<string, { offset: number; length: number }>;
}

/**
 * Places weights in their checkpoints, converting a checkpoint once per dtype where the graph needs another
 * one (e.g. an f16 file on the CPU provider, which computes in f32).
 * @example const store = new WeightStore(join(cache, 'weights')); await store.prepare(requests); emitModel(outs, { place: store.place });
 */
export class WeightStore {
  private readonly converted = new Map<string, Converted>();
  private readonly reals = new Map<string, string>();

  constructor(private readonly root: string) {}

  /** The checkpoint's real path: ORT resolves links and refuses data outside the model's folder. */
  private real(file: string): string {
    let r = this.reals.get(file);
    if (r === undefined) {
      r = realpathSync(file);
      this.reals.set(file, r);
    }
    return r;
  }

  /** Converts what the requests need converted (once per checkpoint and dtype; reused when present). */
  async prepare(requests: readonly WeightRequest[]): Promise<void> {
    const needs = new Map<string, { file: string; dtype: SafetensorsDType }>();
    for (const w of requests) {
      if (readsInPlace(w)) continue;
      const dtype = STORED_AS[w.dtype];
      if (!dtype || !isFloatDType(w.param.storedAs))
        throw new Error(`${w.name}: a ${w.param.storedAs} tensor cannot load as ${w.dtype}`);
      needs.set(`${w.param.file}\0${dtype}`, { file: w.param.file, dtype });
    }
    for (const [key, { file, dtype }] of needs) {
      if (this.converted.has(key)) continue;
      const header = await readSafetensorsHeader(file);
      const layout = convertedLayout(header, dtype);
      const real = this.real(file);
      const path = join(this.root, `${parse(real).name}-${fileIdentity(real)}.${dtype.toLowerCase()}.bin`);
      if (!existsSync(path)) {
        mkdirSync(this.root, { recursive: true });
        writeConverted(header, dtype, layout, path);
      }
      this.converted.set(key, { path: this.real(path), layout });
    }
  }

  /** Where one weight's bytes lie; `prepare` must have seen it when it needs conversion. */
  place: PlaceWeight = (w) => {
    const storedShape = storedShapeOf(w);
    if (readsInPlace(w)) {
      const bytes = DTYPE_BYTES[w.param.storedAs as SafetensorsDType];
      const range = rangeOf(w, w.param.byteStart, w.param.byteEnd - w.param.byteStart, bytes);
      return { path: this.real(w.param.file), ...range, ...(storedShape ? { storedShape } : {}) };
    }
    const dtype = STORED_AS[w.dtype]!;
    const conv = this.converted.get(`${w.param.file}\0${dtype}`);
    const slot = conv?.layout.get(w.param.key);
    if (!conv || !slot)
      throw new Error(`${w.name}: ${w.param.file} was not converted to ${dtype} before emission`);
    const range = rangeOf(w, slot.offset, slot.length, DTYPE_BYTES[dtype]);
    return { path: conv.path, ...range, ...(storedShape ? { storedShape } : {}) };
  };
}

/**
 * The deepest folder holding every path: ORT reads external data only below the folder a model is loaded
 * from, so a model referencing checkpoints in place is loaded with this folder as its base.
 * Null when there is none (Windows files on two drives).
 */
export function commonRoot(paths: readonly string[]): string | null {
  if (paths.length === 0) return null;
  const roots = new Set(paths.map((p) => parse(p).root));
  if (roots.size > 1) return null;
  let base = dirname(paths[0]);
  for (const p of paths) while (relative(base, p).split(sep)[0] === '..') base = dirname(base);
  return base;
}
