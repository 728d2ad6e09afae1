// TensorBoard event files: CRC32C check value, then a reader written here (CRC-verifying framing, protobufjs's wire
// Reader for the fields) reads back what EventWriter appended.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  EventWriter,
  crc32c,
  encodeEvent,
  encodeRecord,
  maskCrc,
  type TfEvent,
} from '../../src-main/formats/tfevents';

function readRecords(bytes: Uint8Array): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  for (let at = 0; at < bytes.length;) {
    const length = Number(view.getBigUint64(at, true));
    expect(view.getUint32(at + 8, true)).toBe(maskCrc(crc32c(bytes.subarray(at, at + 8))));
    const data = bytes.subarray(at + 12, at + 12 + length);
    expect(view.getUint32(at + 12 + length, true)).toBe(maskCrc(crc32c(data)));
    records.push(data);
    at += 16 + length;
  }
  return records;
}

function decodeEvent(data: Uint8Array): TfEvent {
  const r = protobuf.Reader.create(data);
  const event: TfEvent = { wallTime: NaN, step: 0 };
  while (r.pos < r.len) {
    const tag = r.uint32();
    const field = tag >>> 3;
    if (field === 1) event.wallTime = r.double();
    else if (field === 2) event.step = Number(r.int64());
    else if (field === 3) event.fileVersion = r.string();
    else if (field === 5) event.scalars = decodeSummary(r.bytes());
    else r.skipType(tag & 7);
  }
  return event;
}

function decodeSummary(data: Uint8Array): { tag: string; value: number }[] {
  const r = protobuf.Reader.create(data);
  const values: { tag: string; value: number }[] = [];
  while (r.pos < r.len) {
    expect(r.uint32()).toBe((1 << 3) | 2);
    const v = protobuf.Reader.create(r.bytes());
    const value = { tag: '', value: NaN };
    while (v.pos < v.len) {
      const tag = v.uint32();
      if (tag >>> 3 === 1) value.tag = v.string();
      else if (tag >>> 3 === 2) value.value = v.float();
      else v.skipType(tag & 7);
    }
    values.push(value);
  }
  return values;
}

describe('crc32c and record framing', () => {
  it('matches the CRC-32C check value and masks as TFRecord does', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(maskCrc(0)).toBe(0xa282ead8);
  });

  it('frames an encoded event that decodes back, large step included', () => {
    const event = {
      wallTime: 1700000000.25,
      step: 2 ** 40 + 3,
      scalars: [{ tag: 'loss/train', value: 0.125 }],
    };
    const [data] = readRecords(encodeRecord(encodeEvent(event)));
    expect(decodeEvent(data)).toEqual(event);
  });
});

describe('EventWriter', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-tfevents-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes file_version first, then scalars, appending across writer instances', async () => {
    const now = () => 1700000000000;
    const w = await EventWriter.create(dir, { now, host: 'testhost' });
    expect(w.path).toBe(join(dir, 'events.out.tfevents.1700000000.testhost'));
    await w.addScalar('loss', 0.5, 1, 1700000001);
    await w.addScalar('lr', 1e-4, 1, 1700000001);
    await w.close();
    const again = await EventWriter.create(dir, { now, host: 'testhost' });
    await again.addScalar('loss', 0.25, 2, 1700000002);
    await again.close();

    const events = readRecords(new Uint8Array(await readFile(w.path))).map(decodeEvent);
    expect(events[0]).toEqual({ wallTime: 1700000000, step: 0, fileVersion: 'brain.Event:2' });
    expect(
      events.filter((e) => e.scalars).map((e) => [e.step, e.scalars?.[0].tag, e.scalars?.[0].value]),
    ).toEqual([
      [1, 'loss', 0.5],
      [1, 'lr', Math.fround(1e-4)],
      [2, 'loss', 0.25],
    ]);
  });
});
