// PNG text chunks (tEXt Latin-1, iTXt UTF-8) read and inserted before IEND without touching pixel data, and the
// A1111 `parameters` infotext. Follows the PNG spec §11.3.4 and A1111 `processing.create_infotext` /
// `infotext_utils.parse_generation_parameters` (format facts only).

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO-HDLC, reflected 0xEDB88320), as PNG chunks and zlib use. */
export function crc32(bytes: Uint8Array, seed = 0): number {
  let c = ~seed >>> 0;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

export interface PngChunk {
  type: string;
  data: Uint8Array;
}

export class PngFormatError extends Error {
  override readonly name = 'PngFormatError';
}

/** Every chunk in file order, with each CRC checked. */
export function readPngChunks(png: Uint8Array): PngChunk[] {
  if (png.length < 8 || SIGNATURE.some((b, i) => png[i] !== b))
    throw new PngFormatError('not a PNG (bad signature)');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks: PngChunk[] = [];
  for (let at = 8; at < png.length;) {
    if (at + 12 > png.length) throw new PngFormatError(`truncated chunk header at byte ${at}`);
    const length = view.getUint32(at);
    const end = at + 12 + length;
    if (end > png.length) throw new PngFormatError(`chunk at byte ${at} runs past the end of the file`);
    const typeAndData = png.subarray(at + 4, at + 8 + length);
    const type = String.fromCharCode(...typeAndData.subarray(0, 4));
    if (crc32(typeAndData) !== view.getUint32(at + 8 + length))
      throw new PngFormatError(`${type} chunk at byte ${at}: CRC mismatch`);
    chunks.push({ type, data: typeAndData.slice(4) });
    at = end;
    if (type === 'IEND') break;
  }
  return chunks;
}

function encodeChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

const latin1 = (s: string) => Uint8Array.from(s, (ch) => ch.charCodeAt(0));

/** NOTE: not TextDecoder('latin1'), which is windows-1252 and remaps 0x80–0x9f. */
function latin1Decode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192) out += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return out;
}
const isLatin1 = (s: string) => [...s].every((ch) => ch.charCodeAt(0) <= 0xff) && !s.includes('\0');

export interface PngTextEntry {
  keyword: string;
  text: string;
}

/** tEXt when the text is Latin-1, else uncompressed iTXt (what PIL's PngInfo.add_text, used by A1111, decides). */
function textChunk({ keyword, text }: PngTextEntry): Uint8Array {
  if (!/^[\x20-\x7e\xa1-\xff]{1,79}$/.test(keyword))
    throw new PngFormatError(`invalid text keyword ${JSON.stringify(keyword)}`);
  if (isLatin1(text)) return encodeChunk('tEXt', Uint8Array.from([...latin1(keyword), 0, ...latin1(text)]));
  // keyword \0, compression flag 0, method 0, empty language tag \0, empty translated keyword \0, UTF-8 text
  const head = Uint8Array.from([...latin1(keyword), 0, 0, 0, 0, 0]);
  const body = new TextEncoder().encode(text);
  const data = new Uint8Array(head.length + body.length);
  data.set(head);
  data.set(body, head.length);
  return encodeChunk('iTXt', data);
}

/**
 * The same PNG with text chunks inserted just before IEND; all other bytes are copied unchanged.
 * @example const tagged = addPngText(png, [{ keyword: 'parameters', text: formatA1111Parameters(p) }]);
 */
export function addPngText(png: Uint8Array, entries: readonly PngTextEntry[]): Uint8Array {
  const chunks = readPngChunks(png);
  if (chunks.at(-1)?.type !== 'IEND') throw new PngFormatError('no IEND chunk');
  const iendAt = png.length - 12 - trailingBytes(png, chunks);
  const added = entries.map(textChunk);
  const size = added.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(png.length + size);
  out.set(png.subarray(0, iendAt));
  let at = iendAt;
  for (const c of added) {
    out.set(c, at);
    at += c.length;
  }
  out.set(png.subarray(iendAt), at);
  return out;
}

/** Bytes after IEND (some writers leave garbage); kept as they were. */
function trailingBytes(png: Uint8Array, chunks: readonly PngChunk[]): number {
  const used = 8 + chunks.reduce((n, c) => n + 12 + c.data.length, 0);
  return png.length - used;
}

/** All tEXt and iTXt entries (compressed iTXt is reported as an error, never silently skipped). */
export function readPngText(png: Uint8Array): PngTextEntry[] {
  return readPngChunks(png)
    .filter((c) => c.type === 'tEXt' || c.type === 'iTXt')
    .map((c) => (c.type === 'tEXt' ? decodeText(c.data) : decodeInternational(c.data)));
}

function decodeText(data: Uint8Array): PngTextEntry {
  const nul = data.indexOf(0);
  return { keyword: latin1Decode(data.subarray(0, nul)), text: latin1Decode(data.subarray(nul + 1)) };
}

function decodeInternational(data: Uint8Array): PngTextEntry {
  const nul = data.indexOf(0);
  const keyword = latin1Decode(data.subarray(0, nul));
  if (data[nul + 1] !== 0) throw new PngFormatError(`iTXt "${keyword}": compressed text is not supported`);
  const langEnd = data.indexOf(0, nul + 3);
  const translatedEnd = data.indexOf(0, langEnd + 1);
  return { keyword, text: new TextDecoder().decode(data.subarray(translatedEnd + 1)) };
}

export interface A1111Parameters {
  prompt: string;
  negative: string;
  steps: number;
  /** A1111's display name, e.g. "Euler a", "DPM++ 2M Karras" (see sample/samplers SAMPLERS[..].a1111Name). */
  sampler: string;
  cfg: number;
  seed: number;
  width: number;
  height: number;
  /** A1111's short hash: first 10 hex digits of the checkpoint's sha256; '' when there is no single file to hash
   * (a diffusers folder, or hashing skipped), and then the field is left out rather than written empty. */
  modelHash: string;
  modelName?: string;
  lora?: { name: string; strength: number; hash?: string }[];
}

/** A1111 `infotext_utils.quote`: JSON-quote a value only when it holds ',', ':' or a newline. */
function quote(value: string): string {
  return /[,:\n]/.test(value) ? JSON.stringify(value) : value;
}

/**
 * A1111's `parameters` text: prompt (with `<lora:name:strength>` tags appended), "Negative prompt:", then the
 * "Key: value, …" line in A1111's field order.
 * @example formatA1111Parameters({ prompt: 'a cat', negative: '', steps: 20, sampler: 'Euler a', cfg: 7, seed: 1,
 *   width: 512, height: 512, modelHash: 'cc6cb27103' }) // "a cat\nSteps: 20, Sampler: Euler a, CFG scale: 7, …"
 */
export function formatA1111Parameters(p: A1111Parameters): string {
  const tags = (p.lora ?? [])
    .map((l) => `<lora:${l.name}:${l.strength}>`)
    .filter((tag) => !p.prompt.includes(tag));
  const prompt = [p.prompt, ...tags].join(' ');
  const hashes = (p.lora ?? []).filter((l) => l.hash).map((l) => `${l.name}: ${l.hash}`);
  const fields: [string, string | number | undefined][] = [
    ['Steps', p.steps],
    ['Sampler', p.sampler],
    ['CFG scale', p.cfg],
    ['Seed', p.seed],
    ['Size', `${p.width}x${p.height}`],
    ['Model hash', p.modelHash || undefined],
    ['Model', p.modelName],
    ['Lora hashes', hashes.length ? hashes.join(', ') : undefined],
  ];
  const line = fields
    .filter((f): f is [string, string | number] => f[1] !== undefined)
    .map(([k, v]) => `${k}: ${quote(String(v))}`)
    .join(', ');
  const negative = p.negative ? `\nNegative prompt: ${p.negative}` : '';
  return `${prompt}${negative}\n${line}`.trim();
}

/** One "Key: value" pair of the settings line (A1111's `re_param`); quoted values are JSON strings. */
const PARAM = /\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)/g;

export interface ParsedA1111Parameters {
  prompt: string;
  negative: string;
  /** Every settings field, unquoted, keyed as written ("Steps", "CFG scale", "Lora hashes", …). */
  fields: Record<string, string>;
}

/** The inverse of `formatA1111Parameters` (and A1111's own texts): prompt, negative prompt, settings fields. */
export function parseA1111Parameters(text: string): ParsedA1111Parameters {
  const lines = text.trim().split('\n');
  const last = lines.at(-1) ?? '';
  const settings = [...last.matchAll(PARAM)];
  // A1111 treats the last line as settings only when it holds at least three fields.
  const hasSettings = settings.length >= 3;
  if (hasSettings) lines.pop();
  let prompt = '';
  let negative = '';
  let inNegative = false;
  for (const line of lines) {
    if (line.startsWith('Negative prompt:')) inNegative = true;
    const body = line.startsWith('Negative prompt:') ? line.slice(16).trimStart() : line;
    if (inNegative) negative += (negative ? '\n' : '') + body;
    else prompt += (prompt ? '\n' : '') + body;
  }
  const fields: Record<string, string> = {};
  if (hasSettings) for (const [, key, value] of settings) fields[key.trim()] = unquote(value);
  return { prompt, negative, fields };
}

function unquote(value: string): string {
  if (!value.startsWith('"') || !value.endsWith('"')) return value;
  const parsed: unknown = JSON.parse(value);
  return typeof parsed === 'string' ? parsed : value;
}
