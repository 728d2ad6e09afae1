// Everything the UI can do, as one class implementing the api/contract.ts interface. Front doors (Electron
// IPC, the web server, the CLI) validate arguments and wrap results; this class holds no Electron import.
import { readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve, sep } from 'node:path';
import type {
  AppInfo,
  DatasetListing,
  DirectoryListing,
  DirectoryShow,
  ImportSummary,
  ModelInfo,
  ProjectInfo,
  ProjectPatch,
  RecentProject,
  TagCount,
  TagEdit,
  TagEditResult,
  TesseraApi,
  EnvironmentReport,
  UndoResult,
} from '../api/contract';
import type {
  CaptionModelInfo,
  CaptionOptions,
  CaptionPreviewItem,
  CaptionRunResult,
  CaptionScope,
} from '../api/captioning';
import type {
  Comparison,
  CompareRequest,
  ExportedAdapter,
  CompatibilityReport,
  ExportRequest,
  GeneratedImage,
  GenerateRequest,
  JobAction,
  JobInfo,
  RunAdapter,
  RunSummary,
  SampleInfo,
  StepMetrics,
  TrainingOptions,
  TrainPlan,
  TrainRequest,
} from '../api/training';
import { ApiError } from '../api/errors';
import { inspectModel } from '../models/inspect';
import { openCheckpoint } from '../models/weights';
import { compatReport } from '../lora/compat';
import { targetsOf, type LoRAFamily } from '../lora/adapter-weights';
import { appInfo } from './app-info';
import { CaptioningService } from './captioning';
import { DatasetService } from './dataset-service';
import { listModelDirectory } from './directory';
import { appPaths } from './app-paths';
import { devicesInWorker, environmentReport, remembered } from './environment';
import type { DeviceReport } from '../engine/runtime/providers';
import { newProjectName } from './project-names';
import { EventHub } from './events';
import { createProjectFiles, readProjectFiles, updateProjectFiles } from './projects';
import { compareInWorker, generateInWorker, withOutPath } from './generate';
import { comparisonOut, listComparisons, listRunAdapters, listRuns } from './run-comparisons';
import { physicalCores } from '../engine/runtime/threads';
import { TrainerJobs, type JobEvent } from './jobs';
import { projectOfRunPath, runImageFile, runsDirOf } from './run-images';
import { SettingsStore } from './settings';
import { TrainingService } from './training';
import { forkLauncher, type WorkerHandle, type WorkerLauncher } from '../jobs/worker-host';

export interface ServicesOptions {
  /** Which front door serves this instance; reported by getAppInfo. */
  mode: AppInfo['mode'];
  /** Where settings.json (recent projects) lives; null or absent keeps them in memory only. */
  appDataDir?: string | null;
  /** Watch open datasets for outside edits (default true). */
  watch?: boolean;
  /** Starts trainer workers: Electron passes utilityLauncher(); web mode and CLI default to forkLauncher(). */
  launcher?: WorkerLauncher;
  /** Derived caches (latents, compiled models, tokenizer files); default `<appDataDir>/cache` or a temp folder. */
  cacheDir?: string;
  /** Where new projects go until the user picks a folder; default: the platform's (app-paths.ts). */
  projectsDir?: string;
  /** Shows a file in the system file manager (Electron's shell.showItemInFolder); absent in web mode and CLI. */
  reveal?: (path: string) => void;
  /** The model hub captioning models download from; default `defaultHub()`: $TESSERA_MODEL_HUB or the public hub. */
  modelHub?: string;
}

/** What the image routes send for one path: the file and its Content-Type. */
export interface ServedImage {
  file: string;
  contentType: 'image/png' | 'image/webp';
}

export class Services implements TesseraApi {
  /** Events for every connected UI; front doors subscribe and forward. */
  readonly events = new EventHub();
  readonly #mode: AppInfo['mode'];
  readonly #reveal: ((path: string) => void) | undefined;
  readonly #settings: SettingsStore;
  readonly #datasets: DatasetService;
  readonly #watch: boolean;
  readonly #cacheDir: string;
  readonly #launch: WorkerLauncher;
  readonly #workers = new Set<WorkerHandle>();
  readonly #training: TrainingService;
  readonly #appDataDir: string | null;
  readonly #defaultProjectsDir: string;
  readonly #devices: () => Promise<DeviceReport>;
  readonly #jobs: TrainerJobs;
  readonly #captioning: CaptioningService;

  constructor(options: ServicesOptions) {
    this.#appDataDir = options.appDataDir ?? null;
    this.#defaultProjectsDir = options.projectsDir ?? appPaths().projects;
    this.#mode = options.mode;
    this.#reveal = options.reveal;
    this.#watch = options.watch ?? true;
    this.#cacheDir =
      options.cacheDir ??
      (options.appDataDir ? join(options.appDataDir, 'cache') : join(tmpdir(), 'tessera-cache'));
    const launch = options.launcher ?? forkLauncher();
    // Every worker is remembered until it exits, so dispose() can stop them all.
    this.#launch = () => {
      const worker = launch();
      this.#workers.add(worker);
      worker.onExit(() => this.#workers.delete(worker));
      return worker;
    };
    this.#devices = remembered(() => devicesInWorker(this.#launch));
    this.#settings = new SettingsStore(options.appDataDir ?? null, (m) => this.#log('warn', m));
    // One device job at a time: a captioning run refuses to start beside a training job, and queued training
    // jobs wait for a captioning run to end.
    this.#jobs = new TrainerJobs(
      this.#launch,
      (e) => this.#onJobEvent(e),
      () => this.#captioning.active,
    );
    this.#training = new TrainingService(this.#jobs, this.#cacheDir, () => this.#threads());
    this.#datasets = new DatasetService({
      importProgress: (progress) => this.events.emit('dataset.importProgress', progress),
      changed: (changes) => this.events.emit('dataset.changed', changes),
      warning: (message) => this.#log('warn', message),
    });
    const { modelHub } = options;
    this.#captioning = new CaptioningService({
      launch: this.#launch,
      datasets: this.#datasets,
      cacheDir: this.#cacheDir,
      ...(modelHub ? { hub: modelHub } : {}),
      threads: () => this.#threads(),
      deviceBusy: () => this.#jobs.active()?.name ?? null,
      progress: (progress) => this.events.emit('caption.progress', progress),
      download: (progress) => this.events.emit('caption.download', progress),
    });
  }

  /** Stops folder watchers and worker processes; call when the front door shuts down. */
  dispose(): void {
    this.#datasets.close();
    for (const worker of this.#workers) worker.kill();
    this.#workers.clear();
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
  async listDirectory(path?: string, show?: DirectoryShow): Promise<DirectoryListing> {
    return listModelDirectory(path, show);
  }

  /** Shows `path` in the file manager (desktop app only: a web page cannot open the server's file manager). */
  async revealPath(path: string): Promise<void> {
    await requireExisting(path);
    if (!this.#reveal)
      throw new ApiError(
        'INVALID_ARGUMENT',
        `Showing files is only possible in the desktop app; the file is at ${path}.`,
      );
    this.#reveal(path);
  }

  /** @example const { device, modelFolders } = await services.getEnvironment() */
  async getEnvironment(): Promise<EnvironmentReport> {
    const { threads } = await this.#settings.read();
    const paths = { settings: this.#appDataDir, projects: await this.#projectsDir(), cache: this.#cacheDir };
    return {
      ...(await environmentReport(this.#devices, paths)),
      compute: { threads, defaultThreads: physicalCores() },
    };
  }

  /** @example await services.setProjectsFolder('/home/ann/Pictures/Tessera Projects') */
  async setProjectsFolder(dir: string): Promise<void> {
    if (!isAbsolute(dir))
      throw new ApiError('INVALID_ARGUMENT', `Give a full path (starting at a drive or /), not "${dir}".`);
    await this.#settings.setProjectsDir(resolve(dir));
  }

  /** @example await services.getProjectsFolder() // '/home/ann/.local/share/tessera/projects' */
  async getProjectsFolder(): Promise<string> {
    return this.#projectsDir();
  }

  async #projectsDir(): Promise<string> {
    return (await this.#settings.read()).projectsDir ?? this.#defaultProjectsDir;
  }

  /** @example await services.setComputeThreads(4) */
  async setComputeThreads(threads: number | null): Promise<void> {
    await this.#settings.setThreads(threads);
  }

  /** The saved thread choice for a worker's spec (absent: the worker's own default). */
  async #threads(): Promise<{ threads?: number }> {
    const { threads } = await this.#settings.read();
    return threads === null ? {} : { threads };
  }

  // ── projects & dataset ──────────────────────────────────────────────────────────────────────────

  /** @example const project = await services.createProject('/art/MyStyle', 'My style') */
  async createProject(dir: string, name: string): Promise<ProjectInfo> {
    return this.#opened(await createProjectFiles(dir, name));
  }

  /** @example const project = await services.createNewProject(); project.name // 'Untitled style 1' */
  async createNewProject(name?: string): Promise<ProjectInfo> {
    const root = await this.#projectsDir();
    const taken = await readdir(root).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    const chosen = newProjectName(taken, name);
    return this.createProject(join(root, chosen), chosen);
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

  // ── training, samples & export ──────────────────────────────────────────────────────────────────

  /** @example const { presets } = await services.getTrainingOptions() */
  async getTrainingOptions(): Promise<TrainingOptions> {
    return this.#training.options();
  }

  /** @example const plan = await services.planTraining({ modelPath, datasetDir, name: 'ink', runsDir }) */
  async planTraining(request: TrainRequest): Promise<TrainPlan> {
    return this.#training.plan(request);
  }

  /** @example const job = await services.startTraining(request); job.status // 'running' */
  async startTraining(request: TrainRequest): Promise<JobInfo> {
    const job = await this.#training.start(request);
    this.#log('info', `Training ${job.name} in ${job.runDir}`);
    return job;
  }

  /** @example const jobs = await services.listJobs() */
  async listJobs(): Promise<JobInfo[]> {
    return this.#training.list();
  }

  /** @example await services.controlJob(job.id, 'pause') */
  async controlJob(id: string, action: JobAction): Promise<JobInfo> {
    return this.#training.control(id, action);
  }

  /** @example const steps = await services.getRunMetrics('/art/ink/runs/ink-20261128-090507') */
  async getRunMetrics(runDir: string): Promise<StepMetrics[]> {
    return this.#training.metrics(runDir);
  }

  /** @example const samples = await services.listSamples(job.runDir) */
  async listSamples(runDir: string): Promise<SampleInfo[]> {
    return this.#training.samples(runDir);
  }

  /**
   * Renders in a one-off worker (never loads ONNX Runtime here); 'sample.preview' events show each step.
   * Without `outPath` the PNG goes to `<project>/runs/generated/` of the project it belongs to.
   * @example const { path } = await services.generateImage({ modelPath, prompt: 'a cat', seed: 1, steps: 20, cfg: 7, sampler: 'euler_a', width: 512, height: 512 })
   */
  async generateImage(request: GenerateRequest): Promise<GeneratedImage> {
    await requireExisting(request.modelPath);
    if (request.lora) await requireExisting(request.lora.path);
    const spec = {
      request: withOutPath(request, this.#imagesDir(request)),
      cacheDir: this.#cacheDir,
      ...(await this.#threads()),
    };
    const image = await generateInWorker(this.#launch, spec, (p) => this.events.emit('sample.preview', p));
    this.#log('info', `Rendered ${image.path}`);
    return image;
  }

  /** @example const [latest] = await services.listRuns('/art/ink') */
  async listRuns(project: string): Promise<RunSummary[]> {
    return listRuns(project);
  }

  /** @example const adapters = await services.listRunAdapters('/art/ink/runs/ink-1') */
  async listRunAdapters(runDir: string): Promise<RunAdapter[]> {
    return listRunAdapters(runDir);
  }

  /** @example const [latest] = await services.listComparisons('/art/ink/runs/ink-1') */
  async listComparisons(runDir: string): Promise<Comparison[]> {
    return listComparisons(runDir);
  }

  /**
   * Renders prompts × columns in a one-off worker into `<runDir>/compare/`, which must be inside an open
   * project's runs/ folder so the app can show the images.
   * @example await services.renderComparison({ modelPath, runDir, prompts: ['ink, a cat'], columns: [{ label: 'base' }], seed: 1 })
   */
  async renderComparison(request: CompareRequest): Promise<Comparison> {
    await requireExisting(request.modelPath);
    await requireExisting(request.runDir);
    for (const column of request.columns) if (column.lora) await requireExisting(column.lora.path);
    if (!projectOfRunPath(this.#datasets.openProjects(), join(request.runDir, 'x.png')))
      throw new ApiError(
        'INVALID_ARGUMENT',
        `${request.runDir} is not a run of an open project: open its project first, then compare.`,
      );
    const spec = {
      modelPath: request.modelPath,
      prompts: request.prompts,
      columns: request.columns,
      seed: request.seed,
      out: comparisonOut(request.runDir),
      cacheDir: this.#cacheDir,
      ...(await this.#threads()),
    };
    const comparison = await compareInWorker(this.#launch, spec);
    this.#log('info', `Rendered ${comparison.sheet}`);
    return comparison;
  }

  /** @example const { consumers } = await services.checkCompatibility('/runs/ink/ink.safetensors', '/models/sd15.safetensors') */
  async checkCompatibility(adapterPath: string, modelPath: string): Promise<CompatibilityReport> {
    await requireExisting(adapterPath);
    await requireExisting(modelPath);
    const base = await inspectModel(modelPath);
    if (base.lora)
      throw new ApiError('INVALID_ARGUMENT', `${modelPath} is a LoRA; choose the base checkpoint.`);
    // The exact architecture (its module widths decide which keys fit), not only the public family.
    const { config } = await openCheckpoint(modelPath);
    return compatReport(adapterPath, config.id as LoRAFamily, targetsOf(config));
  }

  /** @example const { path } = await services.exportAdapter({ adapterPath, format: 'peft', precision: 'fp16', outPath }) */
  async exportAdapter(request: ExportRequest): Promise<ExportedAdapter> {
    const exported = await this.#training.exportAdapter(request);
    this.#log('info', `Exported ${exported.path}`);
    return exported;
  }

  // ── auto-captioning ─────────────────────────────────────────────────────────────────────────────

  /** @example const models = await services.listCaptionModels() */
  async listCaptionModels(): Promise<CaptionModelInfo[]> {
    return this.#captioning.models();
  }

  /** @example await services.downloadCaptionModel('wd-swinv2-v3') */
  async downloadCaptionModel(id: string): Promise<CaptionModelInfo> {
    const info = await this.#captioning.download(id);
    this.#log('info', `Downloaded ${info.name} into ${info.folder}`);
    return info;
  }

  /** @example await services.cancelCaptionDownload('wd-swinv2-v3') */
  async cancelCaptionDownload(id: string): Promise<void> {
    this.#captioning.cancelDownload(id);
  }

  /** @example const items = await services.previewCaptions('/art/ink', { kind: 'all' }, { modelId: 'wd-swinv2-v3', mode: 'replace' }) */
  async previewCaptions(
    project: string,
    scope: CaptionScope,
    options: CaptionOptions,
    count?: number,
  ): Promise<CaptionPreviewItem[]> {
    try {
      return await this.#captioning.preview(project, scope, options, count);
    } finally {
      this.#jobs.kick();
    }
  }

  /** @example const { changed } = await services.captionImages('/art/ink', { kind: 'uncaptioned' }, { modelId: 'wd-swinv2-v3', mode: 'fill-empty' }) */
  async captionImages(
    project: string,
    scope: CaptionScope,
    options: CaptionOptions,
  ): Promise<CaptionRunResult> {
    try {
      const result = await this.#captioning.run(project, scope, options);
      const how = result.cancelled ? 'cancelled after' : 'done:';
      this.#log(
        'info',
        `Captioning ${how} ${result.captioned} of ${result.total} image(s), ${result.changed.length} changed.`,
      );
      return result;
    } finally {
      this.#jobs.kick();
    }
  }

  /** @example await services.cancelCaptioning('/art/ink') */
  async cancelCaptioning(project: string): Promise<void> {
    this.#captioning.cancel(project);
  }

  /**
   * Not an API method: what the image routes serve for a path. A PNG inside an open project's runs/ folder
   * is sent as it is; a dataset image gets its WebP thumbnail; anything else is refused.
   * @example const { file, contentType } = await services.imageFile('/art/ink/runs/ink-1/samples/step000002-0.png')
   */
  async imageFile(path: string): Promise<ServedImage> {
    const runImage = await runImageFile(this.#datasets.openProjects(), path);
    if (runImage) return { file: runImage, contentType: 'image/png' };
    return { file: await this.thumbnailFile(path), contentType: 'image/webp' };
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

  /** The open project the model or adapter lives in, else the latest opened; else the cache folder. */
  #imagesDir(request: GenerateRequest): string {
    const projects = this.#datasets.openProjects();
    const inside = (p: string | undefined) =>
      p ? projects.find((project) => resolve(p).startsWith(project.dir + sep)) : undefined;
    const project = inside(request.lora?.path) ?? inside(request.modelPath) ?? projects.at(-1);
    return project ? runsDirOf(project) : this.#cacheDir;
  }

  #onJobEvent({ job, message }: JobEvent): void {
    if (message?.type === 'progress')
      this.events.emit('train.progress', { jobId: job.id, progress: message.progress });
    else if (message?.type === 'sample')
      this.events.emit('train.sample', { jobId: job.id, sample: message.sample });
    else if (message?.type === 'preview') this.events.emit('sample.preview', message.preview);
    else if (message?.type === 'log') this.#log(message.level, `${job.name}: ${message.message}`);
    else this.events.emit('train.job', job);
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
