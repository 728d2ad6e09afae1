// The app identity reported by getAppInfo and `tessera --version`.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { APP_VERSION, appInfo } from '../../src-main/core/app-info';

describe('appInfo', () => {
  it('reports package.json version, the mode and the platform', async () => {
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
    expect(APP_VERSION).toBe(pkg.version);
    expect(appInfo('electron')).toEqual({
      version: pkg.version,
      mode: 'electron',
      platform: process.platform,
    });
  });
});
