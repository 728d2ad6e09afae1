// PNG text chunks written and read back through the chunk parser, pixels untouched; A1111 infotext round trip.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  PngFormatError,
  addPngText,
  crc32,
  formatA1111Parameters,
  parseA1111Parameters,
  readPngChunks,
  readPngText,
} from '../../src-main/formats/png-text';

async function tinyPng(): Promise<Uint8Array> {
  const raw = Buffer.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9]);
  return new Uint8Array(
    await sharp(raw, { raw: { width: 2, height: 2, channels: 3 } })
      .png()
      .toBuffer(),
  );
}

describe('crc32', () => {
  it('matches the standard check value and the IEND chunk CRC', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new TextEncoder().encode('IEND'))).toBe(0xae426082);
  });
});

describe('PNG text chunks', () => {
  it('inserts tEXt and iTXt before IEND, keeps pixel chunks byte-identical, and reads them back', async () => {
    const png = await tinyPng();
    const tagged = addPngText(png, [
      { keyword: 'parameters', text: 'a café\nSteps: 20' },
      { keyword: 'Comment', text: '猫 — ünïcode' },
    ]);
    const before = readPngChunks(png);
    const after = readPngChunks(tagged);
    expect(after.map((c) => c.type)).toEqual([
      ...before.map((c) => c.type).slice(0, -1),
      'tEXt',
      'iTXt',
      'IEND',
    ]);
    expect(Buffer.from(tagged.subarray(0, png.length - 12))).toEqual(
      Buffer.from(png.subarray(0, png.length - 12)),
    );
    expect(readPngText(tagged)).toEqual([
      { keyword: 'parameters', text: 'a café\nSteps: 20' },
      { keyword: 'Comment', text: '猫 — ünïcode' },
    ]);
    const decoded = await sharp(tagged).raw().toBuffer();
    expect(decoded).toEqual(await sharp(png).raw().toBuffer());
  });

  it('sharp (libpng) reads the written PNG without complaint', async () => {
    const tagged = addPngText(await tinyPng(), [{ keyword: 'parameters', text: 'x' }]);
    const meta = await sharp(tagged).metadata();
    expect([meta.width, meta.height]).toEqual([2, 2]);
  });

  it('rejects a bad signature, a corrupted CRC and an invalid keyword', async () => {
    const png = await tinyPng();
    expect(() => readPngChunks(new Uint8Array(20))).toThrow(PngFormatError);
    const broken = png.slice();
    broken[20] ^= 0xff; // inside IHDR data
    expect(() => readPngChunks(broken)).toThrow(/IHDR chunk at byte 8: CRC mismatch/);
    expect(() => addPngText(png, [{ keyword: '', text: 'x' }])).toThrow(/invalid text keyword/);
  });
});

describe('A1111 parameters', () => {
  const params = {
    prompt: 'a watercolor fox',
    negative: 'blurry, lowres',
    steps: 20,
    sampler: 'Euler a',
    cfg: 7,
    seed: 1,
    width: 512,
    height: 768,
    modelHash: 'cc6cb27103',
    modelName: 'v1-5-pruned-emaonly',
    lora: [{ name: 'myStyle', strength: 0.8, hash: 'abcdef123456' }],
  };

  it('formats exactly as A1111 writes it', () => {
    expect(formatA1111Parameters(params)).toBe(
      'a watercolor fox <lora:myStyle:0.8>\n' +
        'Negative prompt: blurry, lowres\n' +
        'Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x768, Model hash: cc6cb27103, ' +
        'Model: v1-5-pruned-emaonly, Lora hashes: "myStyle: abcdef123456"',
    );
    const plain = formatA1111Parameters({
      ...params,
      negative: '',
      modelName: undefined,
      lora: undefined,
      cfg: 7.5,
    });
    expect(plain).toBe(
      'a watercolor fox\nSteps: 20, Sampler: Euler a, CFG scale: 7.5, Seed: 1, Size: 512x768, Model hash: cc6cb27103',
    );
  });

  it('parses back what it wrote, through a real PNG', async () => {
    const tagged = addPngText(await tinyPng(), [
      { keyword: 'parameters', text: formatA1111Parameters(params) },
    ]);
    const text = readPngText(tagged).find((e) => e.keyword === 'parameters')?.text ?? '';
    const parsed = parseA1111Parameters(text);
    expect(parsed.prompt).toBe('a watercolor fox <lora:myStyle:0.8>');
    expect(parsed.negative).toBe('blurry, lowres');
    expect(parsed.fields).toEqual({
      Steps: '20',
      Sampler: 'Euler a',
      'CFG scale': '7',
      Seed: '1',
      Size: '512x768',
      'Model hash': 'cc6cb27103',
      Model: 'v1-5-pruned-emaonly',
      'Lora hashes': 'myStyle: abcdef123456',
    });
  });

  it('keeps multi-line prompts and treats a short last line as prompt text', () => {
    expect(
      parseA1111Parameters(
        'line one\nline two\nNegative prompt: bad\nmore bad\nSteps: 5, Seed: 2, Size: 8x8',
      ),
    ).toEqual({
      prompt: 'line one\nline two',
      negative: 'bad\nmore bad',
      fields: { Steps: '5', Seed: '2', Size: '8x8' },
    });
    expect(parseA1111Parameters('just: a prompt')).toEqual({
      prompt: 'just: a prompt',
      negative: '',
      fields: {},
    });
  });
});
