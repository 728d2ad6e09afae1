import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { compareGrid } from '../../src-main/sample/compare-grid';

const solid = async (r: number, g: number, b: number, w = 32, h = 24) =>
  new Uint8Array(
    await sharp({ create: { width: w, height: h, channels: 3, background: { r, g, b } } })
      .png()
      .toBuffer(),
  );

describe('compareGrid', () => {
  it('renders every prompt × column and places each cell in its slot', async () => {
    const seen: string[] = [];
    const grid = await compareGrid(
      ['a cat', 'a dog'],
      [{ label: 'base' }, { label: 'LoRA 1.0', lora: { path: 'x', strength: 1 } }],
      async (p, c) => {
        seen.push(`${p}|${c.label}`);
        return solid(p === 'a cat' ? 255 : 0, c.lora ? 255 : 0, 0);
      },
    );
    expect(seen).toEqual(['a cat|base', 'a cat|LoRA 1.0', 'a dog|base', 'a dog|LoRA 1.0']);
    expect(grid.cells.map((c) => [c.row, c.column])).toEqual([
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ]);
    const { data, info } = await sharp(Buffer.from(grid.png)).raw().toBuffer({ resolveWithObject: true });
    const at = (x: number, y: number) =>
      Array.from(
        data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3),
      );
    // Cell (row 1, column 1): left = 4 + 36, top = 28 + 1·(28+24+4) + 28.
    expect(at(4 + 36 + 5, 28 + 56 + 28 + 5)).toEqual([0, 255, 0]);
    expect(at(4 + 5, 28 + 28 + 5)).toEqual([255, 0, 0]);
    expect(info.width).toBe(2 * 36 + 4);
  });

  it('refuses cells of different sizes, naming the cell', async () => {
    await expect(
      compareGrid(['p'], [{ label: 'a' }, { label: 'b' }], async (_p, c) =>
        c.label === 'a' ? solid(0, 0, 0) : solid(0, 0, 0, 16, 16),
      ),
    ).rejects.toThrow(/"p" \/ b is 16×16/);
  });
});
