// The open project as a runes class: create / open / recent, and the base model chosen for it. Errors stay
// in plain words (ApiErrorData) for the Start screen to show where the user is looking.
import type { ProjectInfo, ProjectTraining, RecentProject, TesseraApi } from '../../../src-main/api/contract';
import { toErrorData, type ApiErrorData } from '../../../src-main/api/errors';

export class ProjectState {
  current = $state.raw<ProjectInfo | null>(null);
  recent = $state.raw<RecentProject[]>([]);
  error = $state.raw<ApiErrorData | null>(null);
  /** Kept apart from `error`: a page without its token already says so once, at the top. */
  recentError = $state.raw<ApiErrorData | null>(null);
  busy = $state(false);
  readonly #api: TesseraApi;

  constructor(api: TesseraApi) {
    this.#api = api;
  }

  /** @example await projects.loadRecent(); projects.recent[0]?.name */
  async loadRecent(): Promise<void> {
    try {
      this.recent = await this.#api.listRecentProjects();
      this.recentError = null;
    } catch (err) {
      this.recentError = toErrorData(err);
    }
  }

  /** @example await projects.create('/art/MyStyle', 'My style') */
  async create(dir: string, name: string): Promise<boolean> {
    return this.#run(async () => this.#opened(await this.#api.createProject(dir.trim(), name.trim())));
  }

  /** A project in the projects folder, no questions asked (the first run). @example await projects.createNew() */
  async createNew(name?: string): Promise<boolean> {
    return this.#run(async () => this.#opened(await this.#api.createNewProject(name)));
  }

  /** Keeps the Train screen's choices in the open project's project.json. */
  async saveTraining(training: ProjectTraining): Promise<void> {
    const project = this.current;
    if (!project) return;
    this.current = await this.#api.updateProject(project.dir, { training });
  }

  /** @example await projects.open('/art/MyStyle') */
  async open(dir: string): Promise<boolean> {
    return this.#run(async () => this.#opened(await this.#api.openProject(dir.trim())));
  }

  /** Records the base model picked on the Start screen in project.json. */
  async setBaseModel(path: string): Promise<boolean> {
    const project = this.current;
    if (!project) return false;
    return this.#run(async () => {
      this.current = await this.#api.updateProject(project.dir, { baseModelPath: path });
    });
  }

  async #opened(project: ProjectInfo): Promise<void> {
    this.current = project;
    this.recent = await this.#api.listRecentProjects();
  }

  /** Runs one call with busy/error bookkeeping; true when it succeeded. */
  async #run(call: () => Promise<void>): Promise<boolean> {
    this.busy = true;
    this.error = null;
    try {
      await call();
      return true;
    } catch (err) {
      this.error = toErrorData(err);
      return false;
    } finally {
      this.busy = false;
    }
  }
}
