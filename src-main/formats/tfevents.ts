// TensorBoard event files: TFRecord framing (u64 length, masked CRC32C of it, data, masked CRC32C of data) around
// hand-encoded `Event` protobufs (wall_time=1, step=2, file_version=3, summary=5 → value{tag=1, simple_value=2}).
// Follows tensorflow/core/util/event.proto, summary.proto and lib/io/record_writer + crc32c masking.
import { type FileHandle, open } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32C (Castagnoli, reflected 0x82F63B78). */
export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC32C_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** TFRecord's masking: rotate right by 15 and add a constant, so CRCs of CRCs stay strong. */
export function maskCrc(crc: number): number {
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}

export interface ScalarValue {
  tag: string;
  value: number;
}

export interface TfEvent {
  wallTime: number;
  step: number;
  fileVersion?: string;
  scalars?: ScalarValue[];
}

function varint(value: number): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, BigInt(value));
  do {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v ? byte | 0x80 : byte);
  } while (v);
  return out;
}

function lengthDelimited(field: number, body: Uint8Array | number[]): number[] {
  return [(field << 3) | 2, ...varint(body.length), ...body];
}

function scalarValue({ tag, value }: ScalarValue): number[] {
  const f32 = new Uint8Array(new Float32Array([value]).buffer);
  return [...lengthDelimited(1, new TextEncoder().encode(tag)), (2 << 3) | 5, ...f32];
}

/** One `Event` message. */
export function encodeEvent(event: TfEvent): Uint8Array {
  const wall = new Uint8Array(new Float64Array([event.wallTime]).buffer);
  const bytes = [(1 << 3) | 1, ...wall, (2 << 3) | 0, ...varint(event.step)];
  if (event.fileVersion !== undefined)
    bytes.push(...lengthDelimited(3, new TextEncoder().encode(event.fileVersion)));
  if (event.scalars?.length) {
    const summary = event.scalars.flatMap((s) => lengthDelimited(1, scalarValue(s)));
    bytes.push(...lengthDelimited(5, summary));
  }
  return Uint8Array.from(bytes);
}

/** One TFRecord around `data`. */
export function encodeRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(16 + data.length);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskCrc(crc32c(out.subarray(0, 8))), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskCrc(crc32c(data)), true);
  return out;
}

/**
 * Appends scalar events to `events.out.tfevents.<seconds>.<host>`; each record is one write, so a crash loses at
 * most the record in flight and never leaves a half-framed one in the middle.
 * @example const w = await EventWriter.create(runDir); await w.addScalar('loss', 0.12, 10); await w.close();
 */
export class EventWriter {
  private constructor(
    readonly path: string,
    private readonly file: FileHandle,
  ) {}

  static async create(
    dir: string,
    options: { now?: () => number; host?: string } = {},
  ): Promise<EventWriter> {
    const now = options.now ?? Date.now;
    const seconds = Math.floor(now() / 1000);
    const path = join(dir, `events.out.tfevents.${seconds}.${options.host ?? osHostname()}`);
    const writer = new EventWriter(path, await open(path, 'a'));
    await writer.write({ wallTime: now() / 1000, step: 0, fileVersion: 'brain.Event:2' });
    return writer;
  }

  async write(event: TfEvent): Promise<void> {
    await this.file.write(encodeRecord(encodeEvent(event)));
  }

  async addScalar(tag: string, value: number, step: number, wallTime = Date.now() / 1000): Promise<void> {
    await this.write({ wallTime, step, scalars: [{ tag, value }] });
  }

  async close(): Promise<void> {
    await this.file.close();
  }
}
