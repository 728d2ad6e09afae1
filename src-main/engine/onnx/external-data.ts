// Frozen weights as ONNX external data: one .bin next to the .onnx, 64 KiB-aligned offsets, loaded by path so
// ORT mmaps it (docs/reference/ort-notes.md#external-data). Weights are read lazily from their safetensors
// ranges and converted here.

import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { DTYPES, type DType } from '../graph/dtype';
import type { ParamRef } from '../graph/node';
import {
  decodeToF32,
  DTYPE_BYTES,
  f32ToF16,
  isFloatDType,
  isSafetensorsDType,
} from '../../formats/safetensors';
import { EXTERNAL_ALIGNMENT, rangeOf } from './weight-placement';

export { EXTERNAL_ALIGNMENT } from './weight-placement';

/** One initializer stored in the weights file. */
export interface ExternalTensor {
  name: string;
  param: ParamRef;
  dtype: DType;
  shape: readonly number[];
  offset: number;
  length: number;
}

/** Assigns aligned offsets in order; the layout depends only on dtypes and shapes, not on the data. */
export function layoutExternal(
  entries: readonly Omit<ExternalTensor, 'offset' | 'length'>[],
): ExternalTensor[] {
  let offset = 0;
  return entries.map((e) => {
    const length = e.shape.reduce((a, b) => a * b, 1) * DTYPES[e.dtype].bytes;
    const placed = { ...e, offset, length };
    offset = Math.ceil((offset + length) / EXTERNAL_ALIGNMENT) * EXTERNAL_ALIGNMENT;
    return placed;
  });
}

/** Weights load from float storage only (integer tensors are not parameters). */

function readRange(file: string, start: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const fd = openSync(file, 'r');
  try {
    let done = 0;
    while (done < length) {
      const n = readSync(fd, out, done, length - done, start + done);
      if (n === 0) throw new Error(`${file}: unexpected end of file at byte ${start + done}`);
      done += n;
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

function transpose2d(src: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c];
  return out;
}

/** Reads a parameter's bytes, applies its transform, and converts to the declared dtype. */
export function materialize(t: Pick<ExternalTensor, 'param' | 'dtype' | 'shape' | 'name'>): Uint8Array {
  const { param } = t;
  const storedAs = param.storedAs;
  if (!isSafetensorsDType(storedAs) || !isFloatDType(storedAs))
    throw new Error(`${t.name}: stored dtype ${param.storedAs} is not supported (F32, F16, BF16)`);
  const { offset: start, length } = rangeOf(
    t,
    param.byteStart,
    param.byteEnd - param.byteStart,
    DTYPE_BYTES[storedAs],
  );
  const tf = param.transform;
  let values = decodeToF32(storedAs, readRange(param.file, start, length));
  if (tf?.kind === 'transpose2d') values = transpose2d(values, t.shape[1], t.shape[0]);
  if (t.dtype === 'f32') return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  if (t.dtype === 'f16') return new Uint8Array(f32ToF16(values).buffer);
  throw new Error(`${t.name}: parameters load as f32 or f16, not ${t.dtype}`);
}

/** Writes every tensor at its offset; the file is sized to the last tensor's end. */
export function writeExternal(path: string, tensors: readonly ExternalTensor[]): void {
  const fd = openSync(path, 'w');
  try {
    for (const t of tensors) {
      const bytes = materialize(t);
      writeSync(fd, bytes, 0, bytes.length, t.offset);
    }
  } finally {
    closeSync(fd);
  }
}
