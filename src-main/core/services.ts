// Everything the UI can do, as one class implementing the api/contract.ts interface. Front doors (Electron
// IPC, the web server, the CLI) validate arguments and wrap results; this class holds no Electron import.
import { stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import type {
  AppInfo,
  DatasetListing,
  DirectoryListing,
  ImportSummary,
  ModelInfo,
  ProjectInfo,
  ProjectPatch,
  RecentProject,
  TagCount,
  TagEdit,
  TagEditResult,
  TesseraApi,
  UndoResult,
} from '../api/contract';
import { ApiError } from '../api/errors';
import { inspectModel } from '../models/inspect';
import { appInfo } from './app-info';
import { DatasetService } from './dataset-service';
import { listModelDirectory } from './directory';
import { EventHub } from './events';
import { createProjectFiles, readProjectFiles, updateProjectFiles } from './projects';
import { SettingsStore } from './settings';

export interface ServicesOptions {
  /** Which front door serves this instance; reported by getAppInfo. */
  mode: AppInfo['mode'];
  /** Where settings.json (recent projects) lives; null or absent keeps them in memory only. */
  appDataDir?: string | null;
  /** Watch open datasets for outside edits (default true). */
  watch?: boolean;
}

export class Services implements TesseraApi {
  /** Events for every connected UI; front doors subscribe and forward. */
  readonly events = new EventHub();
  readonly #mode: AppInfo['mode'];
  readonly #settings: SettingsStore;
  readonly #datasets: DatasetService;
  readonly #watch: boolean;

  constructor(options: ServicesOptions) {
    this.#mode = options.mode;
    this.#watch = options.watch ?? true;
    this.#settings = new SettingsStore(options.appDataDir ?? null, (m) => this.#log('warn', m));
    this.#datasets = new DatasetService({
      importProgress: (progress) => this.events.emit('dataset.importProgress', progress),
      changed: (changes) => this.events.emit('dataset.changed', changes),
      warning: (message) => this.#log('warn', message),
    });
  }

  /** Stops folder watchers; call when the front door shuts down. */
  dispose(): void {
    this.#datasets.close();
  }

  /** @example await new Services({ mode: 'web' }).getAppInfo() // { version: '0.1.0', mode: 'web', platform: 'linux' } */
  async getAppInfo(): Promise<AppInfo> {
    return appInfo(this.#mode);
  }

  /** @example const info = await services.inspectModel('/models/sd15.safetensors'); info.family // 'sd1' */
  async inspectModel(path: string): Promise<ModelInfo> {
    await requireExisting(path);
    const info = await inspectModel(path);
    this.#log('info', `Inspected ${path}: ${info.familyLabel}`);
    return info;
  }

  /** @example const { entries } = await services.listDirectory('/models') */
  async listDirectory(path?: string): Promise<DirectoryListing> {
    return listModelDirectory(path);
  }

  // ── projects & dataset ──────────────────────────────────────────────────────────────────────────

  /** @example const project = await services.createProject('/art/MyStyle', 'My style') */
  async createProject(dir: string, name: string): Promise<ProjectInfo> {
    return this.#opened(await createProjectFiles(dir, name));
  }

  /** @example const project = await services.openProject('/art/MyStyle') */
  async openProject(dir: string): Promise<ProjectInfo> {
    return this.#opened(await readProjectFiles(dir));
  }

  /** @example await services.updateProject('/art/MyStyle', { name: 'Ink' }) */
  async updateProject(dir: string, patch: ProjectPatch): Promise<ProjectInfo> {
    return this.#opened(await updateProjectFiles(dir, patch));
  }

  /** @example const recent = await services.listRecentProjects() */
  async listRecentProjects(): Promise<RecentProject[]> {
    const { recentProjects } = await this.#settings.read();
    const present = await Promise.all(recentProjects.map((r) => stillThere(r.dir)));
    return recentProjects.filter((_, i) => present[i]);
  }

  /** @example const { images } = await services.listDataset('/art/MyStyle') */
  async listDataset(project: string): Promise<DatasetListing> {
    const images = await this.#datasets.list(project);
    return { project, images, undoDepth: this.#datasets.undoDepth(project) };
  }

  /** @example const summary = await services.importImages('/art/MyStyle', ['/in/refs']) */
  async importImages(project: string, paths: string[]): Promise<ImportSummary> {
    const summary = await this.#datasets.import(project, paths);
    this.#log('info', `Imported ${summary.imported.length} image(s), skipped ${summary.skipped.length}.`);
    return summary;
  }

  /** @example await services.writeCaption('/art/MyStyle', 'cat.png', 'a cat') */
  async writeCaption(project: string, rel: string, caption: string): Promise<void> {
    await this.#datasets.writeCaption(project, rel, caption);
  }

  /** @example await services.editTags('/art/MyStyle', ['cat.png'], { kind: 'add', tag: 'ink' }) */
  async editTags(project: string, rels: string[], edit: TagEdit): Promise<TagEditResult> {
    return this.#datasets.editTags(project, rels, edit);
  }

  /** @example await services.undoTagEdit('/art/MyStyle') */
  async undoTagEdit(project: string): Promise<UndoResult> {
    return this.#datasets.undo(project);
  }

  /** @example const counts = await services.tagFrequency('/art/MyStyle') */
  async tagFrequency(project: string): Promise<TagCount[]> {
    return this.#datasets.tagFrequency(project);
  }

  /**
   * Not an API method: the thumbnail file for the HTTP route and the Electron protocol, path-guarded.
   * @example const webp = await services.thumbnailFile('/art/MyStyle/dataset/cat.png')
   */
  thumbnailFile(imagePath: string): Promise<string> {
    return this.#datasets.thumbnailFile(imagePath);
  }

  /**
   * Not an API method: web mode's upload route stages a dropped file's bytes for `importImages`.
   * @example const path = await services.stageUpload('/art/MyStyle', 'drop-1', 'cat.png', request)
   */
  stageUpload(
    project: string,
    batch: string,
    name: string,
    body: AsyncIterable<Uint8Array>,
  ): Promise<string> {
    return this.#datasets.stageUpload(project, batch, name, body);
  }

  async #opened(project: ProjectInfo): Promise<ProjectInfo> {
    await this.#datasets.open(project, this.#watch);
    await this.#settings.addRecent({ dir: project.dir, name: project.name });
    return project;
  }

  #log(level: 'info' | 'warn' | 'error', message: string): void {
    this.events.emit('app.log', { level, message, time: new Date().toISOString() });
  }
}

/** False when a remembered folder was moved or deleted; other failures (permissions, I/O) surface. */
async function stillThere(dir: string): Promise<boolean> {
  try {
    await stat(dir);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw err;
  }
}

/** Plain words for the commonest mistake (a mistyped path) before any parser sees the file. */
async function requireExisting(path: string): Promise<void> {
  if (!isAbsolute(path))
    throw new ApiError('INVALID_ARGUMENT', `Give a full path (starting at a drive or /), not "${path}".`);
  try {
    await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new ApiError('NOT_FOUND', `There is no file or folder at ${path}.`, { cause: err });
    }
    throw err;
  }
}
