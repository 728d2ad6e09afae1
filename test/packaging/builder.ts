// Test helper: electron-builder's own config loader, schema validator and file matchers (app-builder-lib 26),
// driven without a packager or any download, so the tests judge electron-builder.yml as the builder would.
import type { Configuration, PlatformSpecificBuildOptions } from 'app-builder-lib';
import type { AppInfo } from 'app-builder-lib/out/appInfo';
import { getFileMatchers, type FileMatcher } from 'app-builder-lib/out/fileMatcher';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config';
import { expandMacro } from 'app-builder-lib/out/util/macroExpander';
import { DebugLogger } from 'builder-util';
import { fork } from 'node:child_process';
import type { Stats } from 'node:fs';
import { lstatSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, sep } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');

/** The installers we build: electron-builder's config key, Node's platform name, and arch. */
export const TARGETS = [
  { os: 'linux', platform: 'linux', arch: 'x64' },
  { os: 'win', platform: 'win32', arch: 'x64' },
  { os: 'win', platform: 'win32', arch: 'arm64' },
  { os: 'mac', platform: 'darwin', arch: 'arm64' },
] as const;
export type Target = (typeof TARGETS)[number];

/** Loads electron-builder.yml (or package.json "build") exactly as `electron-builder` does, then validates it. */
export async function loadBuilderConfig(projectDir = ROOT): Promise<Configuration> {
  const config = await getConfig(projectDir, null, null);
  await validateConfiguration(config, new DebugLogger(false));
  return config;
}

/** Validates an in-memory config against electron-builder's scheme.json; throws its error text. */
export async function validateBuilderConfig(config: Configuration): Promise<void> {
  await validateConfiguration(config, new DebugLogger(false));
}

// NOTE: file patterns use only ${arch} and ${os}; appInfo feeds ${productName}-style macros, unused here.
const NO_APP_INFO = {} as AppInfo;

function macroExpander(target: Target): (pattern: string) => string {
  // The same extras platformPackager passes for file patterns: ${os} and the "/*" shorthand.
  return (pattern) => expandMacro(pattern, target.arch, NO_APP_INFO, { os: target.os, '/*': '{,/**/*}' });
}

function platformOptions(config: Configuration, target: Target): PlatformSpecificBuildOptions {
  return config[target.os] ?? {};
}

export type FileFilter = (file: string, stat: Stats) => boolean;

/** Marked @internal in app-builder-lib's typings, so it is required by hand with the signature it has. */
const internal = createRequire(import.meta.url)('app-builder-lib/out/fileMatcher') as {
  getMainFileMatchers(
    appDir: string,
    destination: string,
    macroExpander: (pattern: string) => string,
    options: PlatformSpecificBuildOptions,
    platformPackager: { info: PackagerInfo },
    outDir: string,
    isElectronCompile: boolean,
  ): FileMatcher[];
  getNodeModuleFileMatcher(
    appDir: string,
    destination: string,
    macroExpander: (pattern: string) => string,
    options: PlatformSpecificBuildOptions,
    packager: { config: Configuration; debugLogger: DebugLogger },
  ): FileMatcher;
};

/** The fields of electron-builder's Packager that its file matchers read. */
interface PackagerInfo {
  projectDir: string;
  buildResourcesDir: string;
  isPrepackedAppAsar: boolean;
  config: Configuration;
  debugLogger: DebugLogger;
}

function matcherOptions(config: Configuration, target: Target, projectDir: string) {
  return {
    macroExpander: macroExpander(target),
    customBuildOptions: platformOptions(config, target),
    globalOutDir: join(projectDir, config.directories?.output ?? 'dist'),
    defaultSrc: projectDir,
  };
}

/**
 * The app's own files (not node_modules) one target ships: every matcher electron-builder derives from
 * `files` (its default exclusions included), each widened to **\/* when it holds only `!` patterns, as
 * AppFileWalker does. Returns paths relative to projectDir with '/' separators.
 */
export function appFiles(config: Configuration, target: Target, projectDir = ROOT): string[] {
  const info: PackagerInfo = {
    projectDir,
    buildResourcesDir: config.directories?.buildResources ?? 'build',
    isPrepackedAppAsar: false,
    config,
    debugLogger: new DebugLogger(false),
  };
  const outDir = join(projectDir, config.directories?.output ?? 'dist');
  const options = platformOptions(config, target);
  const matchers = internal.getMainFileMatchers(
    projectDir,
    'app',
    macroExpander(target),
    options,
    { info },
    outDir,
    false,
  );
  const picked = new Set<string>();
  for (const matcher of matchers) {
    if (!matcher.isSpecifiedAsEmptyArray && (matcher.isEmpty() || matcher.containsOnlyIgnore()))
      matcher.prependPattern('**/*');
    const filter = matcher.createFilter();
    // The builder drops root node_modules here and copies production dependencies separately.
    const keep: FileFilter = (file, stat) =>
      filter(file, stat) && relative(projectDir, file) !== 'node_modules';
    for (const file of selectFiles(projectDir, matcher.from, keep)) picked.add(file);
  }
  return [...picked].sort();
}

/** The filter electron-builder applies to production node_modules: only the `!` patterns of `files`. */
export function nodeModulesFilter(config: Configuration, target: Target, projectDir = ROOT): FileFilter {
  const packager = { config, debugLogger: new DebugLogger(false) };
  const options = platformOptions(config, target);
  const matcher = internal.getNodeModuleFileMatcher(
    projectDir,
    'app',
    macroExpander(target),
    options,
    packager,
  );
  return matcher.createFilter();
}

/** The asarUnpack filter: true for files that land in app.asar.unpacked/. */
export function asarUnpackFilter(config: Configuration, target: Target, projectDir = ROOT): FileFilter {
  const matchers = getFileMatchers(config, 'asarUnpack', 'app', matcherOptions(config, target, projectDir));
  if (!matchers) throw new Error('electron-builder config has no `asarUnpack`');
  return matchers[0].createFilter();
}

/**
 * What `extraResources` puts beside app.asar, as electron-builder's copier selects it (a matcher with no
 * patterns copies everything under `from`): paths relative to the resources folder, '/' separators, each
 * with the source file it comes from.
 */
export function extraResourceFiles(
  config: Configuration,
  target: Target,
  resourcesDir: string,
  projectDir = ROOT,
): { file: string; source: string }[] {
  const matchers = getFileMatchers(
    config,
    'extraResources',
    resourcesDir,
    matcherOptions(config, target, projectDir),
  );
  const picked: { file: string; source: string }[] = [];
  for (const matcher of matchers ?? []) {
    if (matcher.isEmpty() || matcher.containsOnlyIgnore()) matcher.prependPattern('**/*');
    const filter = matcher.createFilter();
    for (const file of selectFiles(matcher.from, matcher.from, filter)) {
      const to = relative(resourcesDir, join(matcher.to, file)).split(sep).join('/');
      picked.push({ file: to, source: join(matcher.from, file) });
    }
  }
  return picked.sort((a, b) => a.file.localeCompare(b.file));
}

/**
 * Walks dir as the builder's copier does (a directory is entered only when the filter accepts it) and
 * returns the accepted files, relative to root with '/' separators.
 */
export function selectFiles(root: string, dir: string, filter: FileFilter): string[] {
  const picked: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = lstatSync(path);
    if (!filter(path, stat)) continue;
    if (stat.isDirectory()) picked.push(...selectFiles(root, path, filter));
    else picked.push(relative(root, path).split(sep).join('/'));
  }
  return picked;
}

/** Every file under dir, relative to root with '/' separators. */
export function allFiles(root: string, dir: string): string[] {
  return selectFiles(root, dir, () => true);
}

/** Starts a packaged trainer worker entry under plain Node (bare environment) and returns its first message. */
export async function firstWorkerMessage(entry: string, cwd: string): Promise<unknown> {
  const worker = fork(entry, [], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  try {
    return await new Promise<unknown>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`worker exited with ${code} before ready`)));
    });
  } finally {
    worker.kill();
  }
}
