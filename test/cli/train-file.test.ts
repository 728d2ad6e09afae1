import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTrainFile } from '../../src-main/cli/train-file';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-trainfile-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readTrainFile', () => {
  it('resolves paths against the file, reads prompts and [train] options in snake_case', async () => {
    await writeFile(join(dir, 'prompts.txt'), '# header\nink cat --d 1\n\nink dog\n');
    await writeFile(
      join(dir, 'ink.toml'),
      'model = "models/sd15.safetensors"\ndataset = "data"\nout = "runs/ink"\nname = "ink"\npreset = "sd15-style"\nprompts_file = "prompts.txt"\nprompts = ["a lighthouse --d 7"]\n\n[train]\nlearning_rate = 2e-4\nrank = 8\nflip = true\nlr_schedule = "cosine"\n',
    );
    const f = await readTrainFile(join(dir, 'ink.toml'));
    expect(f).toMatchObject({
      model: join(dir, 'models/sd15.safetensors'),
      dataset: join(dir, 'data'),
      out: join(dir, 'runs/ink'),
      name: 'ink',
      preset: 'sd15-style',
    });
    expect(f.prompts.sort()).toEqual(['a lighthouse --d 7', 'ink cat --d 1', 'ink dog']);
    expect(f.options).toEqual({ learningRate: 2e-4, rank: 8, flip: true, lrSchedule: 'cosine' });
  });

  it('names a misspelled option, an unknown setting and a TOML syntax error', async () => {
    await writeFile(join(dir, 'a.toml'), '[train]\nlearnig_rate = 1\n');
    await expect(readTrainFile(join(dir, 'a.toml'))).rejects.toThrow(
      /\[train\] has no option "learnig_rate"/,
    );
    await writeFile(join(dir, 'b.toml'), 'modle = "x"\n');
    await expect(readTrainFile(join(dir, 'b.toml'))).rejects.toThrow(/unknown setting "modle"/);
    await writeFile(join(dir, 'c.toml'), 'model = \n');
    await expect(readTrainFile(join(dir, 'c.toml'))).rejects.toThrow(/c\.toml/);
  });
});
