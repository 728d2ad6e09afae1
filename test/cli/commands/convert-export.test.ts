import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src-main/cli/main';
import { loadLoRA } from '../../../src-main/lora/load';
import { makeTinyCheckpoints } from '../../../scripts/make-tiny-checkpoints';
import { memoryIo } from '../../fixtures/cli-io';

let dir = '';
let paths: Record<string, string> = {};
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-cli-lora-'));
  paths = await makeTinyCheckpoints(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tessera convert-lora and export', () => {
  it('converts kohya → PEFT → kohya and exports with a title, keeping every module', async () => {
    const io = memoryIo(dir);
    expect(
      await runCli(['convert-lora', paths['tiny-sd1-lora'], '--to', 'peft', '--out', 'p.safetensors'], io),
    ).toBe(0);
    expect(io.lines[0]).toMatch(/^kohya → peft: \d+ modules \(tiny-sd1\)/);
    expect(
      await runCli(
        [
          'export',
          'p.safetensors',
          'k.safetensors',
          '--title',
          'Ink',
          '--trigger',
          'ink, sketch',
          '--precision',
          'fp32',
        ],
        io,
      ),
    ).toBe(0);
    const [orig, back] = [await loadLoRA(paths['tiny-sd1-lora']), await loadLoRA(join(dir, 'k.safetensors'))];
    expect(back.naming).toBe('kohya');
    expect(back.adapter.modules.map((m) => m.module).sort()).toEqual(
      orig.adapter.modules.map((m) => m.module).sort(),
    );
    expect(back.adapter.metadata['modelspec.trigger_phrase']).toBe('ink, sketch');
  });

  it('export, merge and convert-lora (run as a command) create an output folder that does not exist yet', async () => {
    const tessera = (...args: string[]) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'src-main/cli/main.ts', ...args], {
        cwd: join(import.meta.dirname, '..', '..', '..'),
      });
    const out = (name: string) => join(dir, 'new', name, 'deeper', `${name}.safetensors`);
    await tessera('export', paths['tiny-sd1-lora'], out('export'), '--format', 'peft');
    await tessera(
      'merge',
      '--model',
      paths['tiny-sd1'],
      '--lora',
      paths['tiny-sd1-lora'],
      '--out',
      out('merge'),
    );
    await tessera('convert-lora', paths['tiny-sd1-lora'], '--to', 'peft', '--out', out('convert'));
    for (const name of ['export', 'merge', 'convert']) expect(existsSync(out(name)), name).toBe(true);
    expect((await loadLoRA(out('export'))).naming).toBe('peft');
  });

  it('explains bad options as usage errors', async () => {
    const io = memoryIo(dir);
    expect(await runCli(['convert-lora', 'a', 'b', '--to', 'x'], io)).toBe(2);
    expect(io.errors[0]).toMatch(/--to must be kohya or peft/);
  });
});
