// scripts/make-icons.ts: every size rendered from resources/icon.svg, and ICO/ICNS containers that parse back.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeIcns, encodeIco, ICNS_TYPES, ICO_SIZES, makeIcons, PNG_SIZES } from '../../scripts/make-icons';

let dir: string;
let made: Awaited<ReturnType<typeof makeIcons>>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-icons-'));
  made = await makeIcons(undefined, dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('makeIcons', () => {
  it('writes one square PNG per size, named NxN.png as electron-builder reads a Linux icon folder', async () => {
    expect(made.pngs.map((p) => p.slice(dir.length + 1))).toEqual(PNG_SIZES.map((s) => `${s}x${s}.png`));
    for (const [i, size] of PNG_SIZES.entries()) {
      const meta = await sharp(made.pngs[i]).metadata();
      expect([meta.format, meta.width, meta.height, meta.hasAlpha]).toEqual(['png', size, size, true]);
    }
  });

  it('writes an ICO whose directory points at PNGs of the stated sizes', async () => {
    const ico = await readFile(made.ico);
    expect([ico.readUInt16LE(0), ico.readUInt16LE(2), ico.readUInt16LE(4)]).toEqual([0, 1, ICO_SIZES.length]);
    for (const [i, size] of ICO_SIZES.entries()) {
      const at = 6 + 16 * i;
      expect(ico.readUInt8(at)).toBe(size === 256 ? 0 : size);
      const png = ico.subarray(
        ico.readUInt32LE(at + 12),
        ico.readUInt32LE(at + 12) + ico.readUInt32LE(at + 8),
      );
      expect((await sharp(png).metadata()).width).toBe(size);
    }
  });

  it('writes an ICNS whose entries cover its whole length', async () => {
    const icns = await readFile(made.icns);
    expect(icns.toString('latin1', 0, 4)).toBe('icns');
    expect(icns.readUInt32BE(4)).toBe(icns.length);
    const types: string[] = [];
    for (let at = 8; at < icns.length; at += icns.readUInt32BE(at + 4)) {
      types.push(icns.toString('latin1', at, at + 4));
      const png = icns.subarray(at + 8, at + icns.readUInt32BE(at + 4));
      const expected = ICNS_TYPES[types.length - 1].size;
      expect((await sharp(png).metadata()).width).toBe(expected);
    }
    expect(types).toEqual(ICNS_TYPES.map((t) => t.type));
  });
});

describe('encodeIco / encodeIcns', () => {
  it('lay out headers byte for byte', () => {
    const png = Buffer.from([1, 2, 3]);
    expect([...encodeIco([{ size: 16, png }])]).toEqual([
      0, 0, 1, 0, 1, 0, 16, 16, 0, 0, 1, 0, 32, 0, 3, 0, 0, 0, 22, 0, 0, 0, 1, 2, 3,
    ]);
    expect([...encodeIcns([{ type: 'ic07', png }])]).toEqual([
      0x69, 0x63, 0x6e, 0x73, 0, 0, 0, 19, 0x69, 0x63, 0x30, 0x37, 0, 0, 0, 11, 1, 2, 3,
    ]);
  });
});
