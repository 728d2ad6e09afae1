// App-wide settings persisted as JSON in the app-data folder (recent projects, CPU threads, projects folder). Written
// atomically; a missing or damaged file means defaults, with the damage reported, never a crash.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecentProject } from '../api/contract';
import { writeFileAtomic } from '../formats/atomic-write';

export const SETTINGS_FILE = 'settings.json';

/** The recent list stays short enough to read at a glance. */
export const MAX_RECENT = 12;

export interface AppSettings {
  version: 1;
  recentProjects: RecentProject[];
  /** ORT CPU threads for training and generation; null: the machine's physical cores. */
  threads: number | null;
  /** Where new projects are made; null: the platform's default (app-paths.ts). */
  projectsDir: string | null;
}

const DEFAULT_SETTINGS: AppSettings = { version: 1, recentProjects: [], threads: null, projectsDir: null };

const isThreadCount = (v: unknown): v is number => Number.isInteger(v) && Number(v) >= 1 && Number(v) <= 1024;

function isRecent(value: unknown): value is RecentProject {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return typeof r.dir === 'string' && typeof r.name === 'string' && typeof r.openedAt === 'string';
}

/** Reads settings from `appDataDir` (null: in memory only, e.g. tests and one-off CLI runs). */
export class SettingsStore {
  readonly #file: string | null;
  #cache: AppSettings | null = null;
  readonly #onWarning: (message: string) => void;

  constructor(appDataDir: string | null, onWarning: (message: string) => void = () => undefined) {
    this.#file = appDataDir === null ? null : join(appDataDir, SETTINGS_FILE);
    this.#onWarning = onWarning;
  }

  /** @example const { recentProjects } = await store.read() */
  async read(): Promise<AppSettings> {
    this.#cache ??= await this.#load();
    return this.#cache;
  }

  /** Puts a project first in the recent list (once), trims it, and saves. */
  async addRecent(project: Omit<RecentProject, 'openedAt'>, now = new Date()): Promise<RecentProject[]> {
    const settings = await this.read();
    const rest = settings.recentProjects.filter((r) => r.dir !== project.dir);
    const recentProjects = [{ ...project, openedAt: now.toISOString() }, ...rest].slice(0, MAX_RECENT);
    await this.#save({ ...settings, recentProjects });
    return recentProjects;
  }

  /** Saves the CPU thread choice (null: automatic). */
  async setThreads(threads: number | null): Promise<void> {
    await this.#save({ ...(await this.read()), threads });
  }

  /** Saves the folder new projects go to (null: the platform's default). */
  async setProjectsDir(projectsDir: string | null): Promise<void> {
    await this.#save({ ...(await this.read()), projectsDir });
  }

  async #load(): Promise<AppSettings> {
    if (this.#file === null) return structuredClone(DEFAULT_SETTINGS);
    let raw: string;
    try {
      raw = await readFile(this.#file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return structuredClone(DEFAULT_SETTINGS);
      throw err;
    }
    try {
      const parsed = JSON.parse(raw) as Partial<AppSettings>;
      const recent = Array.isArray(parsed.recentProjects) ? parsed.recentProjects.filter(isRecent) : [];
      const threads = isThreadCount(parsed.threads) ? parsed.threads : null;
      const projectsDir = typeof parsed.projectsDir === 'string' ? parsed.projectsDir : null;
      return { version: 1, recentProjects: recent, threads, projectsDir };
    } catch (err) {
      this.#onWarning(`${this.#file} is not valid JSON (${(err as Error).message}); starting from defaults.`);
      return structuredClone(DEFAULT_SETTINGS);
    }
  }

  async #save(settings: AppSettings): Promise<void> {
    this.#cache = settings;
    if (this.#file === null) return;
    await mkdir(join(this.#file, '..'), { recursive: true });
    await writeFileAtomic(this.#file, JSON.stringify(settings, null, 2) + '\n');
  }
}
