// The safetensors header: parse and validate it (pure), build it for the writer, and summarize it.
// Follows docs/reference/checkpoint-formats.md#the-safetensors-container (safetensors `tensor.rs` rules).

import { DTYPE_BYTES, dtypeRank, isSafetensorsDType, type SafetensorsDType } from './dtype';
import { quoteName, SafetensorsError } from './error';

/** The reference reader's cap on the header length (bytes). */
export const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';

export interface TensorEntry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  /** byte offsets relative to the start of the data section */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  path: string;
  fileBytes: number;
  /** absolute file offset where the data section starts (8 + header length) */
  dataOffset: number;
  metadata: Record<string, string>;
  /** In data-section order. */
  tensors: Map<string, TensorEntry>;
}

type Fail = (problem: string, cause?: unknown) => never;

function failFor(path: string): Fail {
  return (problem, cause) => {
    throw new SafetensorsError(path, problem, cause === undefined ? undefined : { cause });
  };
}

/**
 * Validates the header JSON bytes of a file of `fileBytes` bytes; throws `SafetensorsError` on any violation.
 * @example parseSafetensorsHeader('a.safetensors', 8 + json.length + 16, json).tensors.get('w')?.shape
 */
export function parseSafetensorsHeader(
  path: string,
  fileBytes: number,
  headerJson: Uint8Array,
): SafetensorsHeader {
  const fail = failFor(path);
  if (headerJson.length > MAX_HEADER_BYTES) {
    fail(`header length ${headerJson.length} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  }
  const dataOffset = 8 + headerJson.length;
  if (!Number.isSafeInteger(fileBytes) || fileBytes < dataOffset) {
    fail(`header length ${headerJson.length} runs past the end of the file (${fileBytes} bytes)`);
  }
  const root = decodeJson(headerJson, fail);
  const dataBytes = fileBytes - dataOffset;
  let metadata: Record<string, string> = {};
  const entries: TensorEntry[] = [];
  for (const [name, value] of Object.entries(root)) {
    if (name === METADATA_KEY) metadata = parseMetadata(value, fail);
    else entries.push(parseEntry(name, value, dataBytes, fail));
  }
  const ordered = checkLayout(entries, dataBytes, fail);
  return { path, fileBytes, dataOffset, metadata, tensors: new Map(ordered.map((e) => [e.name, e])) };
}

function decodeJson(bytes: Uint8Array, fail: Fail): Record<string, unknown> {
  if (bytes[0] !== 0x7b) fail('header does not start with "{"');
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (err) {
    fail('header is not valid UTF-8', err);
  }
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (err) {
    fail(`header is not valid JSON (${err instanceof Error ? err.message : String(err)})`, err);
  }
  if (!isObject(root)) fail('header JSON is not an object');
  return root;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseMetadata(value: unknown, fail: Fail): Record<string, string> {
  if (!isObject(value)) return fail(`${METADATA_KEY} is not an object of strings`);
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') fail(`${METADATA_KEY} value for ${quoteName(key)} is not a string`);
  }
  return Object.fromEntries(Object.entries(value)) as Record<string, string>;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function parseEntry(name: string, value: unknown, dataBytes: number, fail: Fail): TensorEntry {
  const where = `tensor ${quoteName(name)}`;
  if (!isObject(value)) return fail(`${where}: entry is not an object`);
  const { dtype, shape, data_offsets: offsets } = value;
  if (!isSafetensorsDType(dtype)) return fail(`${where}: unknown dtype ${quoteName(String(dtype))}`);
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    return fail(`${where}: shape must be an array of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    return fail(`${where}: data_offsets must be [begin, end] non-negative integers`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) fail(`${where}: data_offsets [${begin}, ${end}] run backwards`);
  if (end > dataBytes)
    fail(`${where}: data_offsets [${begin}, ${end}] past the ${dataBytes}-byte data section`);
  const bytes = byteLength(shape as number[], dtype);
  if (bytes !== end - begin) {
    fail(
      `${where}: shape [${shape.join(', ')}] ${dtype} needs ${bytes ?? 'too many'} bytes, offsets give ${end - begin}`,
    );
  }
  return { name, dtype, shape: shape as number[], begin, end };
}

/** Element count of `shape`, or undefined when it is not a safe integer. */
export function numel(shape: readonly number[]): number | undefined {
  if (shape.includes(0)) return 0;
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (!Number.isSafeInteger(n)) return undefined;
  }
  return n;
}

/** Bytes a tensor of `shape` and `dtype` occupies, or undefined when that is not a safe integer. */
export function byteLength(shape: readonly number[], dtype: SafetensorsDType): number | undefined {
  const n = numel(shape);
  const bytes = n === undefined ? undefined : n * DTYPE_BYTES[dtype];
  return bytes !== undefined && Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** Sorted by offsets, tensors must tile the data section exactly: from 0, no gaps, no overlaps, to EOF. */
function checkLayout(entries: TensorEntry[], dataBytes: number, fail: Fail): TensorEntry[] {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: TensorEntry | undefined;
  for (const e of sorted) {
    if (e.begin < covered && previous) {
      fail(`tensor ${quoteName(e.name)} overlaps tensor ${quoteName(previous.name)} at byte ${e.begin}`);
    }
    if (e.begin > covered)
      fail(`gap in the data section: bytes [${covered}, ${e.begin}) belong to no tensor`);
    covered = e.end;
    previous = e;
  }
  if (covered !== dataBytes) {
    fail(
      `tensors cover ${covered} bytes but the data section holds ${dataBytes} (trailing bytes or truncated file)`,
    );
  }
  return sorted;
}

export interface TensorShape {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
}

/**
 * Header bytes (compact JSON, `__metadata__` first, padded with spaces to a multiple of 8) and the entries
 * with offsets for tensors laid out contiguously in the given order. Throws `SafetensorsError` naming `path`.
 */
export function buildHeader(
  path: string,
  tensors: readonly TensorShape[],
  metadata: Record<string, string>,
): { json: Uint8Array; entries: TensorEntry[] } {
  const fail = failFor(path);
  // Built by hand because JSON.stringify moves integer-like keys first; `__metadata__` must lead.
  const parts =
    Object.keys(metadata).length > 0 ? [jsonField(METADATA_KEY, checkedMetadata(metadata, fail))] : [];
  const names = new Set<string>([METADATA_KEY]);
  const entries: TensorEntry[] = [];
  let offset = 0;
  for (const t of tensors) {
    if (names.has(t.name)) fail(`tensor name ${quoteName(t.name)} is used twice or is reserved`);
    names.add(t.name);
    const entry = layoutEntry(t, offset, fail);
    parts.push(
      jsonField(t.name, { dtype: entry.dtype, shape: entry.shape, data_offsets: [entry.begin, entry.end] }),
    );
    entries.push(entry);
    offset = entry.end;
  }
  const text = `{${parts.join(',')}}`;
  const padded = text + ' '.repeat((8 - (Buffer.byteLength(text) % 8)) % 8);
  const json = new TextEncoder().encode(padded);
  if (json.length > MAX_HEADER_BYTES)
    fail(`header would be ${json.length} bytes, over the ${MAX_HEADER_BYTES} limit`);
  return { json, entries };
}

function checkedMetadata(metadata: Record<string, string>, fail: Fail): Record<string, string> {
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') fail(`metadata value for ${quoteName(key)} is not a string`);
  }
  return metadata;
}

function layoutEntry(t: TensorShape, begin: number, fail: Fail): TensorEntry {
  const where = `tensor ${quoteName(t.name)}`;
  if (!isSafetensorsDType(t.dtype)) fail(`${where}: unknown dtype ${quoteName(String(t.dtype))}`);
  if (!Array.isArray(t.shape) || !t.shape.every(isCount))
    fail(`${where}: shape must be non-negative integers`);
  const bytes = byteLength(t.shape, t.dtype);
  if (bytes === undefined || !Number.isSafeInteger(begin + bytes))
    fail(`${where}: shape [${t.shape.join(', ')}] is too large`);
  return { name: t.name, dtype: t.dtype, shape: [...t.shape], begin, end: begin + (bytes as number) };
}

function jsonField(key: string, value: unknown): string {
  return `${JSON.stringify(key)}:${JSON.stringify(value)}`;
}

/**
 * The reference writer's order (dtype descending, then name by UTF-8 bytes), for files whose data
 * hash should match a Python re-save. @example writeSafetensors(p, referenceOrder(tensors))
 */
export function referenceOrder<T extends { name: string; dtype: SafetensorsDType }>(
  tensors: Iterable<T>,
): T[] {
  return [...tensors].sort(
    (a, b) =>
      dtypeRank(b.dtype) - dtypeRank(a.dtype) || Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)),
  );
}

export interface SafetensorsSummary {
  tensorCount: number;
  params: number;
  /** tensor count per dtype */
  dtypes: Record<string, number>;
}

/** Counts for an "inspect" view. @example summarize(await readSafetensorsHeader(p)).params */
export function summarize(header: SafetensorsHeader): SafetensorsSummary {
  const dtypes: Record<string, number> = {};
  let params = 0;
  for (const e of header.tensors.values()) {
    dtypes[e.dtype] = (dtypes[e.dtype] ?? 0) + 1;
    params += (e.end - e.begin) / DTYPE_BYTES[e.dtype];
  }
  return { tensorCount: header.tensors.size, params, dtypes };
}
