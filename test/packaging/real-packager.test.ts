// electron-builder's real packager, run offline: the Linux `dir` target (what AppImage and deb wrap) with a
// stand-in Electron distribution (`electronDist`), from a fresh build in a temp folder. Then the CLI and
// the trainer worker start under plain Node from the packaged app.asar, extracted with app.asar.unpacked.
import { extractAll, listPackage } from '@electron/asar';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstWorkerMessage } from './builder';

const ROOT = join(import.meta.dirname, '..', '..');
const ORT_BIN = 'node_modules/onnxruntime-node/bin/napi-v6';

/** Entries the packaged app loads by name (package.json main, window.ts, jobs/worker-host.ts, the CLI). */
const ENTRIES = [
  '/package.json',
  '/out/main/main.js',
  '/out/main/worker.js',
  '/out/main/server.js',
  '/out/main/cli.js',
  '/out/preload/preload.cjs',
  '/out/renderer/index.html',
];

function run(script: string, args: string[], cwd: string): void {
  execFileSync(process.execPath, [join(ROOT, script), ...args], { cwd, stdio: 'pipe' });
}

/** The app folder electron-builder packs: the build, package.json, and the repo's node_modules. */
function stageApp(app: string): void {
  mkdirSync(app, { recursive: true });
  run(
    'node_modules/electron-vite/bin/electron-vite.js',
    ['build', '--outDir', join(app, 'out'), '--logLevel', 'error'],
    ROOT,
  );
  cpSync(join(ROOT, 'package.json'), join(app, 'package.json'));
  // NOTE: electron-builder lists dependencies with `npm ls`, which trusts npm's hidden lockfile only while it
  // is newer than every package folder; tools writing caches into node_modules (vite, vitest) make it look
  // stale, and `npm ls` through a symlinked node_modules then mis-reads the tree. Refresh its time (not its content).
  const hidden = join(ROOT, 'node_modules', '.package-lock.json');
  if (existsSync(hidden)) utimesSync(hidden, new Date(), new Date());
  symlinkSync(join(ROOT, 'node_modules'), join(app, 'node_modules'), 'dir');
}

/** Stand-in for Electron's Linux zip: only the executable electron-builder renames, and resources/. */
function fakeElectron(dir: string): void {
  mkdirSync(join(dir, 'resources'), { recursive: true });
  writeFileSync(join(dir, 'electron'), '#!/bin/sh\nexit 0\n');
  chmodSync(join(dir, 'electron'), 0o755);
}

const linuxX64 = process.platform === 'linux' && process.arch === 'x64';

describe.runIf(linuxX64)('electron-builder --linux dir (real packager, no download)', () => {
  let tmp: string;
  let resources: string;
  let asarFiles: string[];
  let merged: string;

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'tessera-eb-'));
    stageApp(join(tmp, 'app'));
    fakeElectron(join(tmp, 'electron'));
    const overrides = [
      `-c.electronDist=${join(tmp, 'electron')}`,
      `-c.directories.app=${join(tmp, 'app')}`,
      `-c.directories.output=${join(tmp, 'release')}`,
    ];
    run(
      'node_modules/electron-builder/cli.js',
      ['--linux', 'dir', '--x64', '--publish', 'never', ...overrides],
      ROOT,
    );
    resources = join(tmp, 'release', 'linux-unpacked', 'resources');
    asarFiles = listPackage(join(resources, 'app.asar'), { isPack: false });
    // What the packaged app sees: app.asar's contents with the unpacked native files in place.
    merged = join(tmp, 'merged');
    extractAll(join(resources, 'app.asar'), merged);
    cpSync(join(resources, 'app.asar.unpacked'), merged, { recursive: true });
  });

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('names the executable `tessera` and packs every run-time entry into app.asar', () => {
    expect(existsSync(join(tmp, 'release', 'linux-unpacked', 'tessera'))).toBe(true);
    for (const entry of ENTRIES) expect(asarFiles).toContain(entry);
    expect(asarFiles.filter((f) => f.endsWith('.map') && f.startsWith('/out/'))).toEqual([]);
    expect(
      asarFiles.some((f) => f.startsWith('/src-main') || f.startsWith('/test') || f.startsWith('/shaders')),
    ).toBe(false);
  });

  it('ships production dependencies only', () => {
    for (const dev of ['electron', 'vitest', 'svelte', 'electron-builder', 'typescript'])
      expect(
        asarFiles.filter((f) => f.startsWith(`/node_modules/${dev}/`)),
        dev,
      ).toEqual([]);
    for (const dep of ['onnxruntime-node', 'sharp', 'protobufjs', 'smol-toml'])
      expect(
        asarFiles.some((f) => f.startsWith(`/node_modules/${dep}/`)),
        dep,
      ).toBe(true);
  });

  it("unpacks onnxruntime-node's linux/x64 binding and library, and drops every other platform's", () => {
    const unpacked = join(resources, 'app.asar.unpacked', ORT_BIN);
    expect(existsSync(join(unpacked, 'linux/x64/onnxruntime_binding.node'))).toBe(true);
    expect(existsSync(join(unpacked, 'linux/x64/libonnxruntime.so.1'))).toBe(true);
    for (const other of ['linux/arm64', 'win32', 'darwin'])
      expect(
        asarFiles.filter((f) => f.startsWith(`/${ORT_BIN}/${other}/`)),
        other,
      ).toEqual([]);
  });

  it('ships the CLIP vocabulary and its licence beside app.asar (extraResources)', () => {
    expect(readFileSync(join(resources, 'clip-bpe', 'bpe_simple_vocab_16e6.txt.gz')).length).toBe(1356917);
    expect(readFileSync(join(resources, 'clip-bpe', 'LICENSE'), 'utf8')).toContain(
      'Copyright (c) 2021 OpenAI',
    );
    expect(asarFiles.filter((f) => f.includes('clip-bpe'))).toEqual([]);
  });

  it("unpacks sharp's binding and libvips", () => {
    const img = join(resources, 'app.asar.unpacked', 'node_modules', '@img');
    expect(existsSync(join(img, 'sharp-linux-x64', 'lib'))).toBe(true);
    expect(existsSync(join(img, 'sharp-libvips-linux-x64', 'lib'))).toBe(true);
  });

  it('runs `tessera --version` and `tessera devices` (onnxruntime-node loads) from the packaged files', () => {
    const env = { PATH: process.env.PATH ?? '', HOME: tmp, TESSERA_CACHE_DIR: join(tmp, 'cache') };
    const cli = (args: string[]) =>
      spawnSync(process.execPath, [join(merged, 'out/main/cli.js'), ...args], {
        cwd: tmp,
        env,
        encoding: 'utf8',
      });
    const version = cli(['--version']);
    expect(version.stderr).toBe('');
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    const devices = cli(['devices', '--json']);
    expect(devices.status, devices.stderr).toBe(0);
    const report = JSON.parse(devices.stdout) as {
      chosen: string;
      providers: { name: string; status: string }[];
    };
    expect(report.providers.find((p) => p.name === 'cpu')?.status).toMatch(/used|available/);
    // The binding folder it reports is the packaged one, not the repository's.
    expect(devices.stdout).toContain(merged);
  });

  it('starts the trainer worker entry, which reports ready', async () => {
    const first = await firstWorkerMessage(join(merged, 'out/main/worker.js'), tmp);
    expect(first).toEqual({ type: 'ready' });
  });
});
