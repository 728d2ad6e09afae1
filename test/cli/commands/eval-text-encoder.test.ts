// `tessera eval text-encoder` on the tiny checkpoints, with a captured io: the written tensors and the usage errors.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path, { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError, type CliIo } from '../../../src-main/cli/io';
import { evalTextEncoder } from '../../../src-main/cli/commands/eval-text-encoder';
import { readSafetensorsHeader, readTensorBytes, readTensorF32 } from '../../../src-main/formats/safetensors';
import { makeTinyCheckpoints } from '../../../scripts/make-tiny-checkpoints';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const bpeDir = path.resolve(repoRoot, 'resources', 'clip-bpe');

let dir = '';
let paths: Record<string, string> = {};

function captured(): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l), cwd: dir };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-eval-te-'));
  paths = await makeTinyCheckpoints(join(dir, 'models'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('evalTextEncoder', () => {
  it('writes context and ids for SD1 (relative paths resolve against io.cwd)', async () => {
    const io = captured();
    const args = ['--model', paths['tiny-sd1'], '--prompt', 'a photo of a cat', '--out', 'sd1.safetensors'];
    expect(await evalTextEncoder([...args, '--tokenizer', bpeDir, '--cache', 'onnx'], io)).toBe(0);
    expect(io.lines).toEqual([
      `Tiny SD1 (test model): context [1, 77, 32], 1 chunk(s) → ${join(dir, 'sd1.safetensors')}`,
    ]);
    const header = await readSafetensorsHeader(join(dir, 'sd1.safetensors'));
    expect(header.tensors.get('context')?.shape).toEqual([1, 77, 32]);
    expect(header.tensors.has('pooled')).toBe(false);
    expect(header.tensors.get('ids')).toMatchObject({ dtype: 'I32', shape: [1, 1, 77] });
    const ids = new Int32Array((await readTensorBytes(header, 'ids')).slice().buffer);
    expect(Array.from(ids.slice(0, 7))).toEqual([49406, 320, 1125, 539, 320, 2368, 49407]);
    expect(header.metadata['tessera.clip_skip']).toBe('1');
  });

  it('SDXL: pooled and both encoders’ ids; clip skip is recorded; a long prompt gives two chunks', async () => {
    const io = captured();
    const prompt = Array.from({ length: 50 }, () => 'cat dog').join(' ');
    const out = join(dir, 'xl.safetensors');
    const args = [
      '--model',
      paths['tiny-sdxl-diffusers'],
      '--prompt',
      prompt,
      '--out',
      out,
      '--clip-skip',
      '2',
    ];
    expect(await evalTextEncoder([...args, '--tokenizer', bpeDir, '--cache', 'onnx'], io)).toBe(0);
    const header = await readSafetensorsHeader(out);
    expect(header.tensors.get('context')?.shape).toEqual([1, 154, 64]);
    expect(header.tensors.get('pooled')?.shape).toEqual([1, 32]);
    expect(header.tensors.get('ids')?.shape).toEqual([2, 2, 77]);
    expect((await readTensorF32(header, 'pooled')).some((v) => v !== 0)).toBe(true);
  });

  it('an empty SDXL negative prompt is written as zeros', async () => {
    const out = join(dir, 'neg.safetensors');
    const args = [
      '--model',
      paths['tiny-sdxl'],
      '--prompt',
      '',
      '--negative',
      '--out',
      out,
      '--tokenizer',
      bpeDir,
      '--cache',
      'onnx',
    ];
    expect(await evalTextEncoder(args, captured())).toBe(0);
    const header = await readSafetensorsHeader(out);
    expect((await readTensorF32(header, 'context')).every((v) => v === 0)).toBe(true);
  });

  it('rejects a missing option or a bad clip skip as usage errors; without --tokenizer uses the shipped vocabulary', async () => {
    await expect(evalTextEncoder(['--model', 'm', '--out', 'o'], captured())).rejects.toThrow(UsageError);
    await expect(evalTextEncoder(['--model', 'm', '--out', 'o'], captured())).rejects.toThrow(
      /needs --prompt/,
    );
    const bad = ['--model', 'm', '--prompt', 'x', '--out', 'o', '--clip-skip', '0'];
    await expect(evalTextEncoder(bad, captured())).rejects.toThrow(/--clip-skip must be a whole number/);
    // Nothing beside the model and no --tokenizer: resources/clip-bpe (issue 19), the same ids as the
    // vocabulary given by path.
    const shipped = ['--model', paths['tiny-sd1'], '--prompt', 'a cat', '--out', 'shipped.safetensors'];
    expect(await evalTextEncoder(shipped, captured())).toBe(0);
    const given = ['--model', paths['tiny-sd1'], '--prompt', 'a cat', '--out', 'given.safetensors'];
    expect(await evalTextEncoder([...given, '--tokenizer', bpeDir], captured())).toBe(0);
    const context = async (name: string) =>
      readTensorF32(await readSafetensorsHeader(join(dir, name)), 'context');
    expect(Array.from(await context('shipped.safetensors'))).toEqual(
      Array.from(await context('given.safetensors')),
    );
  });
});
