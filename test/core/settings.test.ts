// The settings file on real disk: recent projects newest first, deduplicated, capped; damage → defaults.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_RECENT, SETTINGS_FILE, SettingsStore } from '../../src-main/core/settings';
import { tempDir } from '../dataset/make-images';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('settings')));
afterEach(() => cleanup());

describe('SettingsStore', () => {
  it('keeps recent projects newest first, once each, and persists them', async () => {
    const store = new SettingsStore(join(dir, 'app'));
    await store.addRecent({ dir: '/a', name: 'A' }, new Date('2026-01-01T00:00:00Z'));
    await store.addRecent({ dir: '/b', name: 'B' }, new Date('2026-01-02T00:00:00Z'));
    await store.addRecent({ dir: '/a', name: 'A2' }, new Date('2026-01-03T00:00:00Z'));
    const fresh = await new SettingsStore(join(dir, 'app')).read();
    expect(fresh.recentProjects).toEqual([
      { dir: '/a', name: 'A2', openedAt: '2026-01-03T00:00:00.000Z' },
      { dir: '/b', name: 'B', openedAt: '2026-01-02T00:00:00.000Z' },
    ]);
    expect(JSON.parse(await readFile(join(dir, 'app', SETTINGS_FILE), 'utf8')).version).toBe(1);
  });

  it('saves the CPU thread choice, and reads an invalid one as automatic', async () => {
    const store = new SettingsStore(join(dir, 'app'));
    expect((await store.read()).threads).toBeNull();
    await store.setThreads(6);
    expect((await new SettingsStore(join(dir, 'app')).read()).threads).toBe(6);
    await writeFile(join(dir, 'app', SETTINGS_FILE), JSON.stringify({ version: 1, threads: 2.5 }));
    expect((await new SettingsStore(join(dir, 'app')).read()).threads).toBeNull();
  });

  it('caps the list', async () => {
    const store = new SettingsStore(null);
    for (let i = 0; i < MAX_RECENT + 3; i++) await store.addRecent({ dir: `/p${i}`, name: `${i}` });
    const { recentProjects } = await store.read();
    expect(recentProjects).toHaveLength(MAX_RECENT);
    expect(recentProjects[0].dir).toBe(`/p${MAX_RECENT + 2}`);
  });

  it('starts from defaults on a damaged file and says why', async () => {
    await writeFile(join(dir, SETTINGS_FILE), '{broken');
    const warnings: string[] = [];
    const settings = await new SettingsStore(dir, (m) => warnings.push(m)).read();
    expect(settings.recentProjects).toEqual([]);
    expect(warnings[0]).toMatch(/not valid JSON/);
  });
});
