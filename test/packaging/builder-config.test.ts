// electron-builder.yml judged by electron-builder's own loader, schema and file matchers, against a fresh
// `electron-vite build` (in a temp project folder, never the repo's out/) and the installed native
// packages. Nothing is downloaded.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allFiles,
  appFiles,
  asarUnpackFilter,
  loadBuilderConfig,
  nodeModulesFilter,
  ROOT,
  TARGETS,
  validateBuilderConfig,
  type Target,
} from './builder';
import type { Configuration } from 'app-builder-lib';
import { doMergeConfigs } from 'app-builder-lib/out/util/config/config';

/** Entry files the packaged app loads by name at run time (window.ts, jobs/worker-host.ts, package.json main). */
export const REQUIRED_APP_FILES = [
  'out/main/main.js',
  'out/main/worker.js',
  'out/main/server.js',
  'out/main/cli.js',
  'out/preload/preload.cjs',
  'out/renderer/index.html',
  'package.json',
] as const;

const ORT_BIN = 'node_modules/onnxruntime-node/bin/napi-v6';

function ortFiles(platform: string, arch: string): string[] {
  return allFiles(ROOT, join(ROOT, ORT_BIN, platform, arch));
}

function stat(rel: string) {
  return statSync(join(ROOT, rel));
}

let config: Configuration;
let builtFiles: string[];
/** A project folder holding what `files` selects from: a fresh build in out/ and package.json. */
let app: string;

beforeAll(async () => {
  // The production build is the thing being packaged: make it fresh (about 2 s). A temp folder, because
  // other test files and developers rebuild the repo's out/ at any time.
  app = mkdtempSync(join(tmpdir(), 'tessera-files-'));
  const electronVite = join(ROOT, 'node_modules/electron-vite/bin/electron-vite.js');
  execFileSync(
    process.execPath,
    [electronVite, 'build', '--outDir', join(app, 'out'), '--logLevel', 'error'],
    {
      cwd: ROOT,
      stdio: 'pipe',
    },
  );
  cpSync(join(ROOT, 'package.json'), join(app, 'package.json'));
  builtFiles = allFiles(app, join(app, 'out'));
  config = await loadBuilderConfig();
});

afterAll(() => {
  if (app) rmSync(app, { recursive: true, force: true });
});

describe('electron-builder config', () => {
  it('passes electron-builder 26 schema validation', async () => {
    expect(config.appId).toBe('app.tessera.desktop');
    await expect(validateBuilderConfig(config)).resolves.toBeUndefined();
  });

  it('keeps `files` whole per platform: a top-level list plus `!`-only platform lists ships the repository', () => {
    // Why electron-builder.yml repeats the list: this is the shape it must not take.
    const linux = config.linux?.files as string[];
    const split = doMergeConfigs([
      {
        ...config,
        files: linux.filter((p) => !p.includes('napi-v6')),
        linux: { ...config.linux, files: linux.filter((p) => p.includes('napi-v6')) },
      },
    ]);
    expect(appFiles(split, TARGETS[0])).toContain('src-main/cli/main.ts');
    expect(appFiles(config, TARGETS[0])).not.toContain('src-main/cli/main.ts');
  });

  it('is rejected by the same validator when an option is wrong (the check can fail)', async () => {
    const broken = { ...config, nsis: { ...config.nsis, oneClik: false } } as Configuration;
    await expect(validateBuilderConfig(broken)).rejects.toThrow(/configuration\.nsis/);
  });

  it('targets NSIS x64+arm64, DMG+ZIP arm64 only, AppImage+deb x64', () => {
    const targets = (os: Target['os']) => JSON.stringify(config[os]?.target);
    expect(targets('win')).toBe(JSON.stringify([{ target: 'nsis', arch: ['x64', 'arm64'] }]));
    expect(targets('mac')).toBe(
      JSON.stringify([
        { target: 'dmg', arch: ['arm64'] },
        { target: 'zip', arch: ['arm64'] },
      ]),
    );
    expect(targets('linux')).toBe(
      JSON.stringify([
        { target: 'AppImage', arch: ['x64'] },
        { target: 'deb', arch: ['x64'] },
      ]),
    );
  });

  it('builds only targets onnxruntime-node ships a binary for (no darwin/x64 in 1.30)', () => {
    for (const t of TARGETS)
      expect(ortFiles(t.platform, t.arch)).toContain(
        `${ORT_BIN}/${t.platform}/${t.arch}/onnxruntime_binding.node`,
      );
    expect(existsSync(join(ROOT, ORT_BIN, 'darwin', 'x64'))).toBe(false);
  });

  it('points at icons and entitlements that exist', () => {
    for (const file of [config.win?.icon, config.mac?.icon, config.mac?.entitlements, config.linux?.icon])
      expect(file && existsSync(join(ROOT, file)), String(file)).toBe(true);
    expect(readdirSync(join(ROOT, 'resources/icons'))).toContain('256x256.png');
  });

  it('associates .safetensors files with the app', () => {
    const assoc = [config.fileAssociations].flat();
    expect(assoc.map((a) => a?.ext)).toEqual(['safetensors']);
  });
});

describe.each(TARGETS)('packaged files for $os $arch', (target) => {
  it('include every run-time entry and the whole build output except source maps', () => {
    const included = appFiles(config, target, app);
    for (const file of REQUIRED_APP_FILES) expect(included).toContain(file);
    const wanted = builtFiles.filter((f) => !f.endsWith('.map'));
    expect(wanted.filter((f) => !included.includes(f))).toEqual([]);
    // Nothing from the source tree rides along.
    expect(included.filter((f) => !f.startsWith('out/') && f !== 'package.json')).toEqual([]);
  });

  it("ship this target's onnxruntime binaries, unpacked, and no other platform's", () => {
    const keep = nodeModulesFilter(config, target);
    const unpack = asarUnpackFilter(config, target);
    const mine = ortFiles(target.platform, target.arch);
    expect(mine.length).toBeGreaterThanOrEqual(2);
    for (const file of mine) {
      expect(keep(join(ROOT, file), stat(file)), file).toBe(true);
      expect(unpack(join(ROOT, file), stat(file)), file).toBe(true);
    }
    const others = TARGETS.filter((t) => t !== target).flatMap((t) => ortFiles(t.platform, t.arch));
    const leaked = others.filter((f) => !f.startsWith(`${ORT_BIN}/${target.platform}/${target.arch}/`));
    expect(leaked.filter((f) => keep(join(ROOT, f), stat(f)))).toEqual([]);
  });

  it('keep the app code inside app.asar (only native packages are unpacked)', () => {
    const unpack = asarUnpackFilter(config, target, app);
    for (const file of REQUIRED_APP_FILES)
      expect(unpack(join(app, file), statSync(join(app, file))), file).toBe(false);
  });
});

describe('sharp native files (installed here for this host only)', () => {
  const host = TARGETS.find((t) => t.platform === process.platform && t.arch === process.arch);
  it.runIf(host)('are kept and unpacked', () => {
    const target = host as Target;
    const keep = nodeModulesFilter(config, target);
    const unpack = asarUnpackFilter(config, target);
    const natives = readdirSync(join(ROOT, 'node_modules/@img'))
      .filter((d) => d.startsWith('sharp-'))
      .flatMap((d) => allFiles(ROOT, join(ROOT, 'node_modules/@img', d)))
      .filter((f) => /\.(node|so[.\d]*|dylib|dll)$/.test(f));
    expect(natives.some((f) => f.endsWith('.node'))).toBe(true);
    for (const file of natives) {
      expect(keep(join(ROOT, file), stat(file)), file).toBe(true);
      expect(unpack(join(ROOT, file), stat(file)), file).toBe(true);
    }
  });
});

describe('shaders', () => {
  const sources = [...allFiles(ROOT, join(ROOT, 'src-main')), ...allFiles(ROOT, join(ROOT, 'src-renderer'))];
  const wgsl = readdirSync(join(ROOT, 'shaders')).filter((f) => f.endsWith('.wgsl'));

  it('reach the app only as ?raw imports, so the bundles carry them and no shader file is read at run time', () => {
    // A string literal naming shaders/ that is not a ?raw import would be a run-time path to ship.
    const runtimePaths = sources.filter((f) => {
      const literals =
        readFileSync(join(ROOT, f), 'utf8').match(/(['"`])[^'"`\n]*shaders\/[^'"`\n]*\1/g) ?? [];
      return literals.some((l) => !/\.wgsl\?raw.$/.test(l));
    });
    expect(runtimePaths).toEqual([]);
    expect(wgsl.length).toBeGreaterThan(0);
  });

  it('are inlined byte-for-byte wherever a bundle holds them', () => {
    const bundles = builtFiles
      .filter((f) => f.endsWith('.js'))
      .map((f) => readFileSync(join(app, f), 'utf8'));
    for (const file of wgsl) {
      const marker = readFileSync(join(ROOT, 'shaders', file), 'utf8')
        .split('\n')
        .find((l) => l.startsWith('fn '));
      const holders = bundles.filter((b) => marker && b.includes(marker));
      // A shader no screen imports yet is tree-shaken away; one that is imported must be whole.
      for (const b of holders)
        expect(b).toContain(JSON.stringify(readFileSync(join(ROOT, 'shaders', file), 'utf8')).slice(1, 200));
    }
  });
});
