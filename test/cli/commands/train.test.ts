// `tessera train` as users run it, in a child process: a run killed with SIGKILL mid-way and started again
// ends with the same adapter weights as a run that was never interrupted.
import { spawn } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyWorkspace } from '../../fixtures/tiny-workspace';

let dir = '';
let paths: Record<string, string> = {};
beforeAll(async () => {
  ({ dir, paths } = await tinyWorkspace('cli-train', { cache: true, dataset: true }));
  // The same run as the flags below, as a CONFIG.toml (paths relative to the file).
  await writeFile(
    join(dir, 'straight.toml'),
    `model = "${paths['tiny-sd1']}"\ndataset = "data"\nout = "straight"\nname = "ink"\ncache = "cache"\n\n[train]\nresolution = 64\nmax_steps = 20\nsave_every_steps = 5\nwarmup_steps = 0\nlearning_rate = 0.002\nrank = 4\nalpha = 4\nsave_dtype = "fp32"\nsample_every_steps = 0\n`,
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs `tessera train` into `out`; with `killAfter`, SIGKILLs it once that text appears on stdout. */
function train(
  out: string,
  killAfter?: RegExp | number,
  cache = join(dir, 'cache'),
): Promise<{ code: number | null; signal: string | null; stdout: string }> {
  const entry = ['--import', 'tsx', 'src-main/cli/main.ts', 'train'];
  const flags = [
    '--model',
    paths['tiny-sd1'],
    '--dataset',
    join(dir, 'data'),
    '--out',
    out,
    '--name',
    'ink',
    '--cache',
    cache,
    '--resolution',
    '64',
    '--max-steps',
    '20',
    '--save-every-steps',
    '5',
    '--warmup-steps',
    '0',
    '--learning-rate',
    '0.002',
    '--rank',
    '4',
    '--alpha',
    '4',
    '--save-dtype',
    'fp32',
    '--sample-every-steps',
    '0',
  ];
  const args = out.endsWith('.toml') ? [...entry, out] : [...entry, ...flags];
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (killAfter instanceof RegExp && killAfter.test(stdout)) child.kill('SIGKILL');
    });
    const timer = typeof killAfter === 'number' ? setTimeout(() => child.kill('SIGKILL'), killAfter) : null;
    child.on('exit', () => timer && clearTimeout(timer));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolveRun({ code, signal, stdout }));
  });
}

const weights = async (path: string) => {
  const buf = await readFile(path);
  return buf.subarray(8 + Number(buf.readBigUInt64LE(0)));
};

describe('tessera train', () => {
  it('resumes after SIGKILL to the same final adapter weights as an uninterrupted run (given as CONFIG.toml)', async () => {
    const straight = await train(join(dir, 'straight.toml')); // the same settings as a CONFIG.toml
    expect(straight.code).toBe(0);
    expect(straight.stdout).toMatch(/finished at step 20\/20/);
    const killed = await train(join(dir, 'killed'), /saved .*ink-step000010/);
    expect(killed.signal).toBe('SIGKILL');
    const resumed = await train(join(dir, 'killed'));
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/finished at step 20\/20/);
    expect(resumed.stdout).not.toMatch(/step 10\/20/); // it continued from the checkpoint, not from step 0
    const [a, b] = [
      await weights(join(dir, 'straight', 'ink.safetensors')),
      await weights(join(dir, 'killed', 'ink.safetensors')),
    ];
    expect(a.equals(b)).toBe(true);
  });

  it('survives SIGKILL at arbitrary moments (compiling, training, writing checkpoints and exports): same bytes', async () => {
    const straight = await weights(join(dir, 'straight', 'ink.safetensors')); // from the test above
    // Kill times spread over start-up, the first compile (a cold cache), steps and saves; fixed, so reproducible.
    const delays = [1200, 2600, 4100, 5300, 6900, 8800];
    const out = join(dir, 'faults');
    const cache = join(dir, 'cache-faults');
    const kills: string[] = [];
    for (const delay of delays) {
      const run = await train(out, delay, cache);
      if (run.code === 0) break;
      expect(run.signal).toBe('SIGKILL');
      kills.push(run.stdout.match(/step \d+\/20/g)?.at(-1) ?? 'before step 1');
    }
    const last = await train(out, undefined, cache);
    expect(last.code, last.stdout).toBe(0);
    expect(kills.length).toBeGreaterThan(2);
    expect((await weights(join(out, 'ink.safetensors'))).equals(straight), kills.join(', ')).toBe(true);
  });
});
