import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseA1111Parameters, readPngText } from '../../../src-main/formats/png-text';
import { runCli } from '../../../src-main/cli/main';
import { memoryIo } from '../../fixtures/cli-io';
import { tinyWorkspace } from '../../fixtures/tiny-workspace';

let dir = '';
let paths: Record<string, string> = {};
beforeAll(async () => {
  ({ dir, paths } = await tinyWorkspace('cli-sample', { cache: true }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tessera sample', () => {
  it('writes a PNG with A1111 parameters, LoRA name and strength included', async () => {
    const io = memoryIo(dir);
    const code = await runCli(
      [
        'sample',
        '--model',
        paths['tiny-sd1'],
        '--lora',
        paths['tiny-sd1-lora'],
        '--scale',
        '0.7',
        '--prompt',
        'ink cat',
        '--seed',
        '5',
        '--steps',
        '3',
        '--cfg',
        '4',
        '--sampler',
        'dpmpp_2m_karras',
        '--width',
        '32',
        '--height',
        '24',
        '--cache',
        'cache',
        '--out',
        'a.png',
      ],
      io,
    );
    expect(io.errors).toEqual([]);
    expect(code).toBe(0);
    const png = new Uint8Array(await readFile(join(dir, 'a.png')));
    const p = parseA1111Parameters(readPngText(png).find((e) => e.keyword === 'parameters')!.text);
    expect(p.prompt).toBe('ink cat <lora:tiny-sd1-lora:0.7>');
    expect(p.fields).toMatchObject({
      Steps: '3',
      Sampler: 'DPM++ 2M Karras',
      'CFG scale': '4',
      Seed: '5',
      Size: '32x24',
    });
  });

  it('writes the A1111 model hash of a single file, and no empty one for a diffusers folder', async () => {
    const fields = async (model: string, out: string) => {
      const io = memoryIo(dir);
      const args = ['sample', '--model', model, '--prompt', 'ink', '--steps', '1', '--width', '16'];
      expect(await runCli([...args, '--height', '16', '--cache', 'cache', '--out', out], io)).toBe(0);
      const png = new Uint8Array(await readFile(join(dir, out)));
      return parseA1111Parameters(readPngText(png).find((e) => e.keyword === 'parameters')!.text).fields;
    };
    const file = await fields(paths['tiny-sd1'], 'file.png');
    expect(file['Model hash']).toMatch(/^[0-9a-f]{10}$/);
    expect(file.Model).toBe('tiny-sd1');
    const folder = await fields(paths['tiny-sd1-diffusers'], 'folder.png');
    expect(folder).not.toHaveProperty('Model hash');
    expect(folder.Model).toBe('tiny-sd1-diffusers');
  });

  it('samples the test-pipeline shape with its own tokenizer; refuses the bare single file before any work', async () => {
    const args = (model: string, out: string) =>
      [
        'sample',
        '--model',
        model,
        '--prompt',
        'ink',
        '--steps',
        '1',
        '--width',
        '16',
        '--height',
        '16',
      ].concat(['--cache', 'cache', '--out', out]);
    const ok = memoryIo(dir);
    expect(await runCli(args(paths['tiny-pipe-diffusers'], 'pipe.png'), ok), ok.errors.join('\n')).toBe(0);
    expect((await readFile(join(dir, 'pipe.png'))).subarray(1, 4).toString()).toBe('PNG');
    const refused = memoryIo(dir);
    expect(await runCli(args(paths['tiny-pipe'], 'bare.png'), refused)).not.toBe(0);
    expect(refused.errors.join('\n')).toMatch(
      /tiny-pipe\.safetensors cannot be sampled: text_encoder: a 1000-token/,
    );
    await expect(readFile(join(dir, 'bare.png'))).rejects.toThrow(/ENOENT/);
  });

  it('names a missing option as a usage error', async () => {
    const io = memoryIo(dir);
    expect(await runCli(['sample', '--model', 'x'], io)).toBe(2);
    expect(io.errors[0]).toMatch(/needs --model, --prompt and --out/);
  });
});
