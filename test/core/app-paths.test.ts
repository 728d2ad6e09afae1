// Tessera's per-platform folders: each platform's convention, the env overrides, and the fallbacks when the
// environment says nothing.
import { homedir } from 'node:os';
import { posix, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appPaths } from '../../src-main/core/app-paths';

describe('appPaths', () => {
  it('uses the Windows known folders: settings roam, caches and logs stay local', () => {
    const env = { APPDATA: 'C:\\Users\\ada\\AppData\\Roaming', LOCALAPPDATA: 'D:\\Local' };
    expect(appPaths({ platform: 'win32', home: 'C:\\Users\\ada', env })).toEqual({
      settings: 'C:\\Users\\ada\\AppData\\Roaming\\Tessera',
      projects: 'C:\\Users\\ada\\Documents\\Tessera',
      cache: 'D:\\Local\\Tessera\\Cache',
      logs: 'D:\\Local\\Tessera\\Logs',
    });
  });

  it('falls back to the profile folders when %APPDATA% and %LOCALAPPDATA% are missing', () => {
    const paths = appPaths({ platform: 'win32', home: 'C:\\Users\\ada', env: {} });
    expect(paths.settings).toBe('C:\\Users\\ada\\AppData\\Roaming\\Tessera');
    expect(paths.cache).toBe('C:\\Users\\ada\\AppData\\Local\\Tessera\\Cache');
  });

  it("uses macOS's Library folders", () => {
    expect(appPaths({ platform: 'darwin', home: '/Users/ada', env: { XDG_CACHE_HOME: '/x' } })).toEqual({
      settings: '/Users/ada/Library/Application Support/Tessera',
      projects: '/Users/ada/Documents/Tessera',
      cache: '/Users/ada/Library/Caches/Tessera',
      logs: '/Users/ada/Library/Logs/Tessera',
    });
  });

  it('follows the XDG base directories on Linux', () => {
    const env = { XDG_CONFIG_HOME: '/c', XDG_DATA_HOME: '/d', XDG_CACHE_HOME: '/k', XDG_STATE_HOME: '/s' };
    expect(appPaths({ platform: 'linux', home: '/home/ada', env })).toEqual({
      settings: '/c/tessera',
      projects: '/d/tessera/projects',
      cache: '/k/tessera',
      logs: '/s/tessera/logs',
    });
  });

  it('uses the XDG defaults when the variables are unset, empty or relative', () => {
    const env = { XDG_CONFIG_HOME: '', XDG_CACHE_HOME: 'relative/cache' };
    expect(appPaths({ platform: 'linux', home: '/home/ada', env })).toEqual({
      settings: '/home/ada/.config/tessera',
      projects: '/home/ada/.local/share/tessera/projects',
      cache: '/home/ada/.cache/tessera',
      logs: '/home/ada/.local/state/tessera/logs',
    });
  });

  it('treats other Unixes like Linux', () => {
    expect(appPaths({ platform: 'freebsd', home: '/home/ada', env: {} }).cache).toBe(
      '/home/ada/.cache/tessera',
    );
  });

  it('moves settings, projects and logs together with TESSERA_DATA_DIR, the cache with TESSERA_CACHE_DIR', () => {
    const env = { TESSERA_DATA_DIR: '/data/t', TESSERA_CACHE_DIR: '/fast/cache', XDG_CACHE_HOME: '/k' };
    expect(appPaths({ platform: 'linux', home: '/home/ada', env })).toEqual({
      settings: '/data/t',
      projects: '/data/t/projects',
      cache: '/fast/cache',
      logs: '/data/t/logs',
    });
    const onlyCache = appPaths({ platform: 'darwin', home: '/Users/ada', env: { TESSERA_CACHE_DIR: '/c' } });
    expect(onlyCache.settings).toBe('/Users/ada/Library/Application Support/Tessera');
    expect(onlyCache.cache).toBe('/c');
  });

  it('resolves a relative override against the working directory', () => {
    const paths = appPaths({ platform: process.platform, env: { TESSERA_DATA_DIR: 'tdata' } });
    expect(paths.settings).toBe(resolve('tdata'));
  });

  it("defaults to this process's platform, home folder and environment", () => {
    const paths = appPaths();
    expect(Object.values(paths).every((p) => p.length > 0)).toBe(true);
    if (!process.env.TESSERA_CACHE_DIR && process.platform === 'linux' && !process.env.XDG_CACHE_HOME)
      expect(paths.cache).toBe(posix.join(homedir(), '.cache', 'tessera'));
  });
});
