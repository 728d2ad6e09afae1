// The `tessera` command as users run it (spawned through bin/tessera.js) and in-process via runCli.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src-main/cli/main';
import { makeTinyCheckpoints } from '../../scripts/make-tiny-checkpoints';
import { memoryIo } from '../fixtures/cli-io';

const run = promisify(execFile);

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function tessera(...args: string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/tessera.js', ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let dir: string;
let paths: Record<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-cli-'));
  paths = await makeTinyCheckpoints(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('bin/tessera.js', () => {
  it('prints help and the version', async () => {
    const help = await tessera('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: tessera <command>/);
    expect(help.stdout).toContain('info');
    expect((await tessera('--version')).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('fails a missing file with one line on stderr and exit code 1', async () => {
    const missing = join(dir, 'missing.safetensors');
    const result = await tessera('info', missing);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`tessera: There is no file or folder at ${missing}.\n`);
  });

  it('describes a real tiny SD1 checkpoint', async () => {
    const result = await tessera('info', paths['tiny-sd1']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Family\s+.*\(sd1\)/);
    expect(result.stdout).toMatch(/UNet\s+2\.2 M\s+F32 ×494/);
    expect(result.stdout).toContain('Evidence');
  });
});

describe('runCli', () => {
  it('prints the full ModelInfo with --json, resolving relative paths against cwd', async () => {
    const io = memoryIo(dir);
    expect(await runCli(['info', 'tiny-sdxl.safetensors', '--json'], io)).toBe(0);
    const info = JSON.parse(io.lines.join('\n'));
    expect(info).toMatchObject({ family: 'sdxl', layout: 'single-file', path: paths['tiny-sdxl'] });
  });

  it('describes LoRA files', async () => {
    const io = memoryIo(dir);
    expect(await runCli(['info', paths['tiny-sd1-lora']], io)).toBe(0);
    expect(io.lines).toContain('LoRA');
    expect(io.lines.some((l) => /Rank\s+4/.test(l))).toBe(true);
  });

  it('gives usage errors exit code 2 and one line', async () => {
    for (const argv of [['frobnicate'], ['info'], ['info', 'a', 'b'], ['info', '--frob', 'x'], []]) {
      const io = memoryIo(dir);
      expect(await runCli(argv, io), argv.join(' ')).toBe(2);
      if (argv.length) {
        expect(io.errors).toHaveLength(1);
        expect(io.errors[0]).toMatch(/^tessera: .*\(see tessera --help\)$/);
      }
    }
  });

  it('shows per-command usage', async () => {
    const io = memoryIo(dir);
    expect(await runCli(['info', '--help'], io)).toBe(0);
    expect(io.lines[0]).toMatch(/^Usage: tessera info PATH/);
  });
});
