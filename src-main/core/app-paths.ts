// Where Tessera keeps settings, caches, logs and projects on each platform, computed from the environment
// (web mode and the CLI have no Electron `app.getPath`). Follows Electron's userData locations, Apple's
// Library folders and the XDG Base Directory spec.
import { homedir } from 'node:os';
import { posix, resolve, win32 } from 'node:path';

export interface AppPaths {
  /** Settings and small state (Electron's `userData`). */
  settings: string;
  /** Where new projects are suggested. */
  projects: string;
  /** Derived, deletable caches: latents, compiled ONNX models, tokenizer files. */
  cache: string;
  logs: string;
}

/** What the paths depend on; tests pass their own. */
export interface PathContext {
  platform?: NodeJS.Platform;
  home?: string;
  env?: Readonly<Record<string, string | undefined>>;
}

type Env = Readonly<Record<string, string | undefined>>;
type PlatformRule = (home: string, env: Env) => AppPaths;

export const APP_DIR_NAME = 'Tessera';

/** TESSERA_DATA_DIR moves everything but the cache; TESSERA_CACHE_DIR moves the cache. */
export const DATA_DIR_VAR = 'TESSERA_DATA_DIR';
export const CACHE_DIR_VAR = 'TESSERA_CACHE_DIR';

/** A variable if set and absolute, else the fallback (XDG: relative values are to be ignored). */
function dirVar(env: Env, name: string, fallback: string, isAbsolute: (p: string) => boolean): string {
  const value = env[name];
  return value && isAbsolute(value) ? value : fallback;
}

const windows: PlatformRule = (home, env) => {
  const j = win32.join;
  const roaming = dirVar(env, 'APPDATA', j(home, 'AppData', 'Roaming'), win32.isAbsolute);
  // Caches are large and machine-specific: Local, never Roaming.
  const local = dirVar(env, 'LOCALAPPDATA', j(home, 'AppData', 'Local'), win32.isAbsolute);
  return {
    settings: j(roaming, APP_DIR_NAME),
    projects: j(home, 'Documents', APP_DIR_NAME),
    cache: j(local, APP_DIR_NAME, 'Cache'),
    logs: j(local, APP_DIR_NAME, 'Logs'),
  };
};

const mac: PlatformRule = (home) => {
  const library = posix.join(home, 'Library');
  return {
    settings: posix.join(library, 'Application Support', APP_DIR_NAME),
    projects: posix.join(home, 'Documents', APP_DIR_NAME),
    cache: posix.join(library, 'Caches', APP_DIR_NAME),
    logs: posix.join(library, 'Logs', APP_DIR_NAME),
  };
};

const xdg: PlatformRule = (home, env) => {
  const base = (name: string, ...fallback: string[]) =>
    posix.join(dirVar(env, name, posix.join(home, ...fallback), posix.isAbsolute), 'tessera');
  return {
    settings: base('XDG_CONFIG_HOME', '.config'),
    projects: posix.join(base('XDG_DATA_HOME', '.local', 'share'), 'projects'),
    // The CLI's long-standing default (~/.cache/tessera), so every front door shares one cache.
    cache: base('XDG_CACHE_HOME', '.cache'),
    logs: posix.join(base('XDG_STATE_HOME', '.local', 'state'), 'logs'),
  };
};

const RULES: Partial<Record<NodeJS.Platform, PlatformRule>> = { win32: windows, darwin: mac };

function withOverrides(paths: AppPaths, env: Env): AppPaths {
  const data = env[DATA_DIR_VAR];
  const cache = env[CACHE_DIR_VAR];
  const out = { ...paths };
  if (data) {
    const root = resolve(data);
    Object.assign(out, { settings: root, projects: resolve(root, 'projects'), logs: resolve(root, 'logs') });
  }
  if (cache) out.cache = resolve(cache);
  return out;
}

/**
 * Every folder Tessera uses, for one platform (default: this process). Nothing is created here.
 * @example appPaths({ platform: 'darwin', home: '/Users/ann', env: {} }).cache // '/Users/ann/Library/Caches/Tessera'
 */
export function appPaths(ctx: PathContext = {}): AppPaths {
  const platform = ctx.platform ?? process.platform;
  const env = ctx.env ?? process.env;
  const rule = RULES[platform] ?? xdg;
  return withOverrides(rule(ctx.home ?? homedir(), env), env);
}
