// Renders resources/icon.svg to every icon electron-builder needs: icons/NxN.png (Linux), icon.ico
// (Windows: PNG-in-ICO entries) and icon.icns (macOS: PNG entries). Usage: tsx scripts/make-icons.ts [outDir]
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';

/** Square sizes rendered as PNG; every ICO and ICNS entry below is one of these. */
export const PNG_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024] as const;
type IconSize = (typeof PNG_SIZES)[number];

/** ICO keeps sizes up to 256 (the directory stores 256 as 0). */
export const ICO_SIZES: readonly IconSize[] = [16, 24, 32, 48, 64, 128, 256];

/** ICNS OSType per pixel size; all of these types may hold PNG data (Apple's icns format, 10.7+). */
export const ICNS_TYPES: readonly { type: string; size: IconSize }[] = [
  { type: 'icp4', size: 16 },
  { type: 'icp5', size: 32 },
  { type: 'icp6', size: 64 },
  { type: 'ic07', size: 128 },
  { type: 'ic08', size: 256 },
  { type: 'ic09', size: 512 },
  { type: 'ic10', size: 1024 },
  { type: 'ic11', size: 32 },
  { type: 'ic12', size: 64 },
  { type: 'ic13', size: 256 },
  { type: 'ic14', size: 512 },
];

export const DEFAULT_SOURCE = join(import.meta.dirname, '..', 'resources', 'icon.svg');
export const DEFAULT_OUT = join(import.meta.dirname, '..', 'resources', 'icons');

/** Renders the SVG once per size (not by downscaling a bitmap, so small sizes stay crisp). */
export async function renderPngs(svg: Buffer): Promise<Map<IconSize, Buffer>> {
  const pngs = new Map<IconSize, Buffer>();
  for (const size of PNG_SIZES) {
    // NOTE: density scales the 1024-unit viewBox so librsvg rasterises at the target size directly.
    const density = Math.max(1, (72 * size) / 1024);
    pngs.set(size, await sharp(svg, { density }).resize(size, size).png().toBuffer());
  }
  return pngs;
}

/** ICO container: ICONDIR, one 16-byte ICONDIRENTRY per image, then the PNG bytes (little-endian). */
export function encodeIco(images: readonly { size: number; png: Buffer }[]): Buffer {
  const header = Buffer.alloc(6 + 16 * images.length);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2); // 1 = icon
  header.writeUInt16LE(images.length, 4);
  let offset = header.length;
  images.forEach(({ size, png }, i) => {
    const at = 6 + 16 * i;
    header.writeUInt8(size >= 256 ? 0 : size, at);
    header.writeUInt8(size >= 256 ? 0 : size, at + 1);
    header.writeUInt16LE(1, at + 4); // colour planes
    header.writeUInt16LE(32, at + 6); // bits per pixel
    header.writeUInt32LE(png.length, at + 8);
    header.writeUInt32LE(offset, at + 12);
    offset += png.length;
  });
  return Buffer.concat([header, ...images.map((i) => i.png)]);
}

/** ICNS container: 'icns' + total length, then (OSType, length incl. 8-byte header, data) entries, big-endian. */
export function encodeIcns(entries: readonly { type: string; png: Buffer }[]): Buffer {
  const parts = entries.map(({ type, png }) => {
    const head = Buffer.alloc(8);
    head.write(type, 0, 'latin1');
    head.writeUInt32BE(png.length + 8, 4);
    return Buffer.concat([head, png]);
  });
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'latin1');
  head.writeUInt32BE(body.length + 8, 4);
  return Buffer.concat([head, body]);
}

/**
 * Writes NxN.png for every size, icon.png (1024), icon.ico and icon.icns into outDir; returns the paths.
 * @example await makeIcons('resources/icon.svg', 'resources/icons') // → { ico: 'resources/icons/icon.ico', … }
 */
export async function makeIcons(
  source = DEFAULT_SOURCE,
  outDir = DEFAULT_OUT,
): Promise<{ pngs: string[]; png: string; ico: string; icns: string }> {
  const pngs = await renderPngs(await readFile(source));
  const pick = (size: IconSize): Buffer => pngs.get(size) as Buffer;
  await mkdir(outDir, { recursive: true });
  const pngPaths: string[] = [];
  for (const [size, png] of pngs) {
    pngPaths.push(join(outDir, `${size}x${size}.png`));
    await writeFile(pngPaths[pngPaths.length - 1], png);
  }
  const paths = {
    png: join(outDir, 'icon.png'),
    ico: join(outDir, 'icon.ico'),
    icns: join(outDir, 'icon.icns'),
  };
  await writeFile(paths.png, pick(1024));
  await writeFile(paths.ico, encodeIco(ICO_SIZES.map((size) => ({ size, png: pick(size) }))));
  await writeFile(paths.icns, encodeIcns(ICNS_TYPES.map(({ type, size }) => ({ type, png: pick(size) }))));
  return { pngs: pngPaths, ...paths };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const made = await makeIcons(DEFAULT_SOURCE, process.argv[2] ?? DEFAULT_OUT);
  console.log(`icons: ${made.pngs.length} PNGs, ${made.ico}, ${made.icns}`);
}
