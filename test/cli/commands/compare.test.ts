import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src-main/cli/main';
import { readPngText } from '../../../src-main/formats/png-text';
import type { CliIo } from '../../../src-main/cli/io';
import { tinyWorkspace } from '../../fixtures/tiny-workspace';

let dir = '';
let paths: Record<string, string> = {};
beforeAll(async () => {
  ({ dir, paths } = await tinyWorkspace('cli-compare', { cache: true }));
  await writeFile(
    join(dir, 'prompts.txt'),
    '# two prompts\nink cat --w 32 --h 32 --s 2 --d 3\nink dog --n blurry --w 32 --h 32 --s 2 --d 4\n',
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tessera compare', () => {
  it('writes a prompts × (base, adapter strengths) sheet and its cell table; base and strength 0 columns are equal', async () => {
    const lines: string[] = [];
    const errors: string[] = [];
    const io: CliIo = { out: (l) => lines.push(l), err: (l) => errors.push(l), cwd: dir };
    const code = await runCli(
      [
        'compare',
        '--model',
        paths['tiny-sd1'],
        '--lora',
        paths['tiny-sd1-lora'],
        '--strengths',
        '0,1',
        '--prompts',
        'prompts.txt',
        '--out',
        'grid',
        '--cache',
        'cache',
      ],
      io,
    );
    expect(errors).toEqual([]);
    expect(code).toBe(0);
    const table = JSON.parse(await readFile(join(dir, 'grid.json'), 'utf8')) as {
      cells: unknown[];
      columns: { label: string }[];
    };
    expect(table.columns.map((c) => c.label)).toEqual(['base', 'tiny-sd1-lora ×0', 'tiny-sd1-lora ×1']);
    expect(table.cells).toHaveLength(6);
    const { data, info } = await sharp(join(dir, 'grid.png')).raw().toBuffer({ resolveWithObject: true });
    // Cells are 32 px wide with 4 px gaps: column 0 starts at x=4, column 1 at x=40; row 0 image at y=56.
    const cell = (col: number) => {
      const out: number[] = [];
      for (let y = 56; y < 88; y++)
        for (let x = 4 + col * 36; x < 36 + col * 36; x++)
          out.push(
            ...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3),
          );
      return out;
    };
    expect(cell(1)).toEqual(cell(0));
    expect(cell(2)).not.toEqual(cell(0));
  });

  it('writes every cell as its own PNG whose parameters name the adapter and strength', async () => {
    const table = JSON.parse(await readFile(join(dir, 'grid.json'), 'utf8')) as {
      cells: { row: number; column: number; file: string }[];
    };
    expect(table.cells[2]).toMatchObject({ row: 0, column: 2, file: 'grid-cells/r0-c2.png' });
    const parameters = async (file: string) =>
      readPngText(new Uint8Array(await readFile(join(dir, file)))).find((e) => e.keyword === 'parameters')!
        .text;
    expect(await parameters('grid-cells/r0-c2.png')).toMatch(/^ink cat <lora:tiny-sd1-lora:1>\n/);
    expect(await parameters('grid-cells/r0-c0.png')).toMatch(/^ink cat\n/);
    expect(await parameters('grid-cells/r0-c1.png')).toMatch(/^ink cat\n/); // strength 0 is the base model
    expect((await sharp(join(dir, 'grid-cells', 'r1-c0.png')).metadata()).width).toBe(32);
  });
});
