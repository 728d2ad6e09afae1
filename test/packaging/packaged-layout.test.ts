// Packaged-layout smoke test: the production build and the production node_modules, picked by
// electron-builder.yml's own matchers, laid out as resources/app/ (app.asar's contents as a plain folder)
// beside the extraResources, then the CLI and the trainer worker started from there under plain Node.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Configuration } from 'app-builder-lib';
import { makeTinyCheckpoints } from '../../scripts/make-tiny-checkpoints';
import {
  allFiles,
  appFiles,
  extraResourceFiles,
  loadBuilderConfig,
  nodeModulesFilter,
  ROOT,
  TARGETS,
  type Target,
  firstWorkerMessage,
} from './builder';

const host = TARGETS.find((t) => t.platform === process.platform && t.arch === process.arch);

/** Production dependency folders, as electron-builder's collector finds them (`npm ls --omit=dev`). */
function productionModules(): string[] {
  const out = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
    cwd: ROOT,
    encoding: 'utf8',
    // NOTE: on Windows npm is npm.cmd, which Node starts only through a shell (the arguments are constants).
    shell: process.platform === 'win32',
  });
  return out
    .split('\n')
    .filter((line) => line.trim() && line !== ROOT)
    .map((line) => relative(ROOT, line));
}

/**
 * Copies what the installer for `target` would put in resources/app (asar + unpacked, merged): the app's
 * files from projectDir (a build and package.json), production modules from the repository; and the
 * extraResources beside it in resources/.
 */
function layOutApp(config: Configuration, target: Target, projectDir: string, appDir: string): void {
  for (const file of appFiles(config, target, projectDir)) {
    mkdirSync(dirname(join(appDir, file)), { recursive: true });
    cpSync(join(projectDir, file), join(appDir, file));
  }
  for (const { file, source } of extraResourceFiles(config, target, dirname(appDir))) {
    mkdirSync(dirname(join(dirname(appDir), file)), { recursive: true });
    cpSync(source, join(dirname(appDir), file));
  }
  const keep = nodeModulesFilter(config, target);
  for (const dir of productionModules()) {
    cpSync(join(ROOT, dir), join(appDir, dir), {
      recursive: true,
      dereference: true,
      filter: (src) => src === join(ROOT, dir) || keep(src, lstatSync(src)),
    });
  }
}

function cli(appDir: string, args: string[], cwd: string) {
  // A bare environment: nothing may come from the repository through NODE_PATH or a tsx loader.
  return spawnSync(process.execPath, [join(appDir, 'out/main/cli.js'), ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: cwd, TESSERA_CACHE_DIR: join(cwd, 'cache') },
  });
}

describe.runIf(host)('the packaged app, laid out for this host', () => {
  let tmp: string;
  let appDir: string;
  let model: string;

  beforeAll(async () => {
    const config = await loadBuilderConfig();
    tmp = mkdtempSync(join(tmpdir(), 'tessera-packaged-'));
    // Built into the temp folder: the repo's out/ may be rebuilt by anyone at any time.
    const project = join(tmp, 'project');
    const electronVite = join(ROOT, 'node_modules/electron-vite/bin/electron-vite.js');
    const args = ['build', '--outDir', join(project, 'out'), '--logLevel', 'error'];
    execFileSync(process.execPath, [electronVite, ...args], { cwd: ROOT, stdio: 'pipe' });
    cpSync(join(ROOT, 'package.json'), join(project, 'package.json'));
    appDir = join(tmp, 'resources', 'app');
    layOutApp(config, host as Target, project, appDir);
    model = (await makeTinyCheckpoints(join(tmp, 'models')))['tiny-sd1'];
  });

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('holds no source tree, only the build, package.json and production modules', () => {
    expect(existsSync(join(appDir, 'src-main'))).toBe(false);
    expect(existsSync(join(appDir, 'node_modules/electron'))).toBe(false);
    expect(existsSync(join(appDir, 'node_modules/vitest'))).toBe(false);
    const bin = join(appDir, 'node_modules/onnxruntime-node/bin/napi-v6');
    expect(existsSync(join(bin, process.platform, process.arch, 'onnxruntime_binding.node'))).toBe(true);
    // Other platforms' binaries are filtered file by file (empty folders may remain, as in the builder).
    const foreign = ['linux', 'win32', 'darwin'].filter(
      (p) => p !== process.platform && existsSync(join(bin, p)),
    );
    expect(foreign.flatMap((p) => allFiles(bin, join(bin, p)))).toEqual([]);
  });

  it('runs `tessera --version` (loading onnxruntime-node and sharp from the packaged node_modules)', () => {
    const run = cli(appDir, ['--version'], tmp);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  });

  it('runs `tessera info` on a checkpoint', () => {
    const run = cli(appDir, ['info', model, '--json'], tmp);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('tiny-sd1');
  });

  it('finds the training presets (compiled into the bundle)', () => {
    const run = cli(appDir, ['train', '--help'], tmp);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/--preset ID\s+\S+/);
  });

  it('ships the CLIP vocabulary and its licence at resources/clip-bpe, and the CLI samples offline with it', () => {
    const vocab = join(tmp, 'resources', 'clip-bpe');
    expect(readFileSync(join(vocab, 'bpe_simple_vocab_16e6.txt.gz')).length).toBe(1356917);
    expect(readFileSync(join(vocab, 'LICENSE'), 'utf8')).toContain('Copyright (c) 2021 OpenAI');
    // A single-file checkpoint with no tokenizer beside it, an empty HOME and cache: only the shipped copy.
    const args = [
      'sample',
      '--model',
      model,
      '--prompt',
      'a cat',
      '--steps',
      '1',
      '--out',
      join(tmp, 'cat.png'),
    ];
    const run = cli(appDir, args, tmp);
    expect(run.status, run.stderr).toBe(0);
    expect(existsSync(join(tmp, 'cat.png'))).toBe(true);
    // And it is that copy: without it the same command fails, saying where it looked.
    renameSync(vocab, `${vocab}.away`);
    try {
      const broken = cli(appDir, args, tmp);
      expect(broken.status).not.toBe(0);
      expect(broken.stderr).toContain('CLIP tokenizer files not found');
      expect(broken.stderr).toContain('ships with Tessera is missing: reinstall');
    } finally {
      renameSync(`${vocab}.away`, vocab);
    }
  });

  it('starts the trainer worker entry, which reports ready', async () => {
    const first = await firstWorkerMessage(join(appDir, 'out/main/worker.js'), tmp);
    expect(first).toEqual({ type: 'ready' });
  });
});
