// Offline first (issue 19): a new user on an air-gapped machine, with an empty HOME and cache and single-file
// checkpoints that have no tokenizer files beside them, trains and samples with the `tessera` command, and uses
// web mode (device report, a render). The
// child processes run with no DNS and no fetch (test/fixtures/no-network.mjs) and proxies pointing at a closed
// port; the test also shows that no network access was even attempted.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTinyCheckpoints } from '../../scripts/make-tiny-checkpoints';
import { writeInkDataset } from '../fixtures/ink-dataset';

const ROOT = join(import.meta.dirname, '..', '..');
const NO_NETWORK = pathToFileURL(join(ROOT, 'test', 'fixtures', 'no-network.mjs')).href;

let dir = '';
const models: Record<string, string> = {};
let closedProxy = '';

/** A loopback port that was just free and is closed again: a proxy there refuses every connection. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-offline-'));
  // Each checkpoint alone in its folder, as single-file models are kept: nothing to tokenize with beside it.
  const made = await makeTinyCheckpoints(join(dir, 'made'));
  for (const id of ['tiny-sd1', 'tiny-sdxl']) {
    await mkdir(join(dir, 'models', id), { recursive: true });
    models[id] = join(dir, 'models', id, `${id}.safetensors`);
    await writeFile(models[id], await readFile(made[id]));
  }
  await writeInkDataset(join(dir, 'data'));
  closedProxy = `http://127.0.0.1:${await closedPort()}`;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The environment of an offline child: a fresh empty HOME (so an empty default cache), no DNS, no fetch. */
function offlineEnv(home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: home,
    NODE_OPTIONS: `--import ${NO_NETWORK}`,
    TESSERA_TEST_NETWORK_LOG: join(dir, 'network.log'),
    HTTP_PROXY: closedProxy,
    HTTPS_PROXY: closedProxy,
    http_proxy: closedProxy,
    https_proxy: closedProxy,
    ALL_PROXY: closedProxy,
  };
}

/** `tessera ARGS` from the source, offline (offlineEnv). */
async function tessera(home: string, args: string[]): Promise<Run> {
  await mkdir(home, { recursive: true });
  const env = offlineEnv(home);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src-main/cli/main.ts', ...args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let [stdout, stderr] = ['', ''];
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
  });
}

describe('offline, with an empty HOME and cache', () => {
  it('the no-network harness really cuts the network off (so the tests below can fail)', async () => {
    const log = join(dir, 'network.log');
    const probe = `fetch('https://example.invalid/x').then(() => process.exit(0), (e) => { console.error(e.cause.code); process.exit(3); })`;
    const child = spawn(process.execPath, ['--import', NO_NETWORK, '-e', probe], {
      env: { PATH: process.env.PATH ?? '', TESSERA_TEST_NETWORK_LOG: log },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect([code, stderr.trim()]).toEqual([3, 'ENOTFOUND']);
    expect(await readFile(log, 'utf8')).toContain('fetch https://example.invalid/x');
    await rm(log);
  });

  it('`tessera devices` answers at once', async () => {
    const run = await tessera(join(dir, 'home-devices'), ['devices']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Using \w+/);
    expect(run.ms).toBeLessThan(30_000);
  });

  for (const id of ['tiny-sd1', 'tiny-sdxl']) {
    it(`${id} (single file, no tokenizer beside it): \`tessera train\` 2 steps, then \`tessera sample\``, async () => {
      const home = join(dir, `home-${id}`);
      const out = join(dir, `run-${id}`);
      const train = await tessera(home, [
        'train',
        ...['--model', models[id], '--dataset', join(dir, 'data'), '--out', out, '--name', 'ink'],
        ...['--resolution', '64', '--max-steps', '2', '--rank', '2', '--alpha', '2'],
      ]);
      expect(train.code, train.stderr).toBe(0);
      expect(train.stdout).toMatch(/finished at step 2\/2/);
      expect(existsSync(join(out, 'ink.safetensors'))).toBe(true);

      const png = join(dir, `${id}.png`);
      const sample = await tessera(home, [
        'sample',
        ...['--model', models[id], '--lora', join(out, 'ink.safetensors'), '--prompt', 'ink, a cat'],
        ...['--steps', '2', '--out', png],
      ]);
      expect(sample.code, sample.stderr).toBe(0);
      expect((await sharp(png).metadata()).width).toBe(64);
      // Nothing was fetched into the cache: the vocabulary came from resources/clip-bpe.
      const cache = join(home, '.cache', 'tessera');
      expect((await readdir(cache)).filter((f) => /merges|bpe/.test(f))).toEqual([]);
      expect(existsSync(join(dir, 'network.log'))).toBe(false);
    });
  }

  it('web mode: the server starts, reports devices (the Start screen) and renders an image, all offline', async () => {
    const home = join(dir, 'home-web');
    await mkdir(home, { recursive: true });
    const server = spawn(process.execPath, ['--import', 'tsx', 'src-main/server/main.ts'], {
      cwd: ROOT,
      env: offlineEnv(home),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<URL>((resolve, reject) => {
        let out = '';
        server.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /Tessera web UI: (\S+)/.exec(out);
          if (m) resolve(new URL(m[1]));
        });
        server.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
      });
      const token = url.searchParams.get('token') ?? '';
      const call = async (method: string, args: unknown[]) => {
        const started = Date.now();
        const reply = await fetch(new URL(`/api/${method}`, url), {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
          body: JSON.stringify({ args }),
        });
        const body = (await reply.json()) as { ok: boolean; value?: unknown; error?: unknown };
        expect(body.ok, JSON.stringify(body.error)).toBe(true);
        return { value: body.value, ms: Date.now() - started };
      };
      expect((await call('getAppInfo', [])).value).toMatchObject({ mode: 'web' });
      const environment = await call('getEnvironment', []);
      expect(JSON.stringify(environment.value)).toContain('cpu');
      expect(environment.ms).toBeLessThan(30_000);
      const png = join(dir, 'web.png');
      const request = { modelPath: models['tiny-sd1'], prompt: 'ink, a cat', seed: 1, steps: 2, cfg: 7 };
      await call('generateImage', [{ ...request, sampler: 'euler', width: 64, height: 64, outPath: png }]);
      expect((await sharp(png).metadata()).width).toBe(64);
      expect(existsSync(join(dir, 'network.log'))).toBe(false);
    } finally {
      server.kill();
    }
  });
});
