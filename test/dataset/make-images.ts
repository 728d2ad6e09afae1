// Real image files of every kind the importer meets, generated with sharp (and by hand for the odd
// ones) into a temp folder at test time, so no binary fixtures are committed.
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Sharp } from 'sharp';

export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `tessera-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A solid-colour RGB canvas; `seed` varies the colour so files differ in content. */
export function canvas(width: number, height: number, seed = 0): Sharp {
  return sharp({
    create: {
      width,
      height,
      channels: 3,
      background: { r: (seed * 37) % 256, g: 120, b: (seed * 91) % 256 },
    },
  });
}

/** A minimal 24-bit BMP, written by hand: libvips in sharp cannot read BMP, and the importer must say so. */
export function bmpBytes(width: number, height: number): Buffer {
  const row = Math.ceil((width * 3) / 4) * 4;
  const bytes = Buffer.alloc(54 + row * height, 0x80);
  bytes.write('BM', 0, 'latin1');
  bytes.writeUInt32LE(bytes.length, 2);
  bytes.writeUInt32LE(54, 10);
  bytes.writeUInt32LE(40, 14);
  bytes.writeInt32LE(width, 18);
  bytes.writeInt32LE(height, 22);
  bytes.writeUInt16LE(1, 26);
  bytes.writeUInt16LE(24, 28);
  return bytes;
}

/** Writes one file of every kind the issue lists into `dir` (good, odd and broken). */
export async function makeZoo(dir: string): Promise<void> {
  const at = (name: string): string => join(dir, name);
  await canvas(400, 300, 1).jpeg().toFile(at('plain.jpg'));
  await canvas(400, 300, 2).png().toFile(at('lossless.png'));
  await canvas(400, 300, 3).webp().toFile(at('web.webp'));
  await canvas(400, 300, 4).avif({ effort: 0 }).toFile(at('av1.avif'));
  await canvas(400, 300, 5).tiff().toFile(at('scan.tiff'));
  await canvas(400, 300, 6).jpeg().toColourspace('cmyk').toFile(at('cmyk.jpg'));
  await canvas(400, 300, 7).png().toColourspace('rgb16').toFile(at('sixteen.png'));
  await canvas(400, 300, 8).jpeg().withMetadata({ orientation: 6 }).toFile(at('rotated.jpg'));
  await canvas(400, 300, 9).toColourspace('b-w').jpeg().toFile(at('gray.jpg'));
  const alpha = {
    width: 400,
    height: 300,
    channels: 4 as const,
    background: { r: 0, g: 0, b: 255, alpha: 0.5 },
  };
  await sharp({ create: alpha }).png({ palette: true }).toFile(at('palette-alpha.png'));
  const frames = Buffer.alloc(400 * 600 * 3, 40);
  frames.fill(220, 400 * 300 * 3);
  await sharp(frames, { raw: { width: 400, height: 600, channels: 3, pageHeight: 300 } })
    .gif()
    .toFile(at('animated.gif'));
  const jpeg = await canvas(400, 300, 10).jpeg().toBuffer();
  await writeFile(at('truncated.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 2)));
  await writeFile(at('text.png'), 'this is not an image\n');
  await writeFile(at('empty.png'), '');
  await writeFile(at('old.bmp'), bmpBytes(400, 300));
  await canvas(100, 80, 11).png().toFile(at('tiny.png'));
  await canvas(3000, 3000, 12).png({ compressionLevel: 9 }).toFile(at('bomb.png'));
  await copyFile(at('plain.jpg'), at('copy-of-plain.jpg'));
}

/** Pixel limit for tests: above every zoo image except bomb.png (3000×3000). */
export const TEST_PIXEL_LIMIT = 5_000_000;
