// The one typed contract between the UI (Electron IPC or web mode) and the core services.
// Plain DTOs only: this file imports only type-only DTO files, so preload, renderer, server and CLI can use it.
import type {
  DatasetChanged,
  DatasetListing,
  ImportProgress,
  ImportSummary,
  ProjectInfo,
  ProjectPatch,
  RecentProject,
  TagCount,
  TagEdit,
  TagEditResult,
  UndoResult,
} from './projects';
import type { DeviceReport } from './devices';
import type { CaptioningApi, CaptioningEvents } from './captioning';
import type { TrainingApi, TrainingEvents } from './training';

export type * from './projects';
export type * from './training';
export type * from './captioning';

/** Stable Diffusion families Tessera knows; `unknown` when no signature matched. */
export type ModelFamily = 'sd1' | 'sd2' | 'sd2-v' | 'sdxl' | 'sdxl-refiner' | 'unknown';

export type ModelLayout = 'single-file' | 'diffusers' | 'lora';

export type LoRANaming = 'kohya' | 'peft' | 'diffusers' | 'legacy-diffusers';

export interface ComponentInfo {
  name: 'unet' | 'vae' | 'text_encoder' | 'text_encoder_2';
  present: boolean;
  tensors: number;
  params: number;
  /** Count of tensors per safetensors dtype, e.g. `{ F16: 686 }`. */
  dtypes: Record<string, number>;
}

export interface LoRAInfo {
  naming: LoRANaming;
  /** Base family the adapter was trained for, from its module names and shapes. */
  family: ModelFamily;
  rank: number | null;
  alpha: number | null;
  /** Number of adapted modules (one per down/up pair). */
  modules: number;
  /** Adapted UNet / text-encoder modules. */
  targets: { unet: number; textEncoder: number };
}

export interface ModelInfo {
  path: string;
  layout: ModelLayout;
  family: ModelFamily;
  /** Human label, e.g. "Stable Diffusion XL (base)". */
  familyLabel: string;
  variant: 'normal' | 'inpaint' | 'ip2p';
  prediction: 'epsilon' | 'v' | 'unknown';
  /** Why detection decided what it did, one line per clue. */
  evidence: string[];
  /** The architecture read from the model (levels, depths, heads, text encoders, VAE), one line each. */
  architecture: string[];
  /** Why this model cannot be used as a base model (sampled or trained), or null when it can. */
  refusal: string | null;
  components: ComponentInfo[];
  totalParams: number;
  tensorCount: number;
  fileBytes: number;
  dtypes: Record<string, number>;
  lora: LoRAInfo | null;
  metadata: Record<string, string>;
  warnings: string[];
}

export interface EnvironmentReport {
  device: DeviceReport;
  /** CPU threads ONNX Runtime uses: the saved choice (null: automatic) and the automatic value here. */
  compute: { threads: number | null; defaultThreads: number };
  modelFolders: { app: string; kind: 'checkpoints' | 'loras'; path: string }[];
  /** The folders this running instance uses: settings (null: kept in memory only), new projects, caches. */
  paths: { settings: string | null; projects: string; cache: string };
}

/** What a running Tessera is: its version, which front door serves it, and the host platform. */
export interface AppInfo {
  version: string;
  mode: 'electron' | 'web' | 'cli';
  /** Node's `process.platform`, e.g. `linux`. */
  platform: string;
}

/** `diffusers` marks a folder holding `model_index.json`: it can be inspected like a file. */
export type DirectoryEntryKind = 'directory' | 'diffusers' | 'file' | 'image';

/** What a folder listing shows besides folders: model files (picking a base model) or images (importing). */
export type DirectoryShow = 'models' | 'images';

export interface DirectoryEntry {
  name: string;
  /** Absolute path, ready to pass back to `inspectModel` or `listDirectory`. */
  path: string;
  kind: DirectoryEntryKind;
  /** Bytes for files, null for folders. */
  size: number | null;
}

export interface DirectoryListing {
  /** The absolute folder listed. */
  path: string;
  /** Its parent folder, null at a file-system root. */
  parent: string | null;
  /** Folders first, then model files (or images); hidden entries and other files are left out. */
  entries: DirectoryEntry[];
}

/**
 * Everything the UI can ask of Tessera. Electron IPC, the web server and the CLI all serve this one
 * interface (implemented by `core/services.ts`). Every method returns a Promise; failures reject with an
 * error whose `code` is one of `ApiErrorCode` (see `errors.ts`).
 */
export interface TesseraApi extends TrainingApi, CaptioningApi {
  /**
   * Version, front door and platform of the running app.
   * @example const { version, mode } = await api.getAppInfo(); // { version: '0.1.0', mode: 'web', platform: 'linux' }
   */
  getAppInfo(): Promise<AppInfo>;

  /**
   * Reads a checkpoint's header (never its weights) and says what it is: family, layout, components, LoRA.
   * Accepts a `.safetensors` file or a diffusers folder; pickles are refused with `UNSUPPORTED_FORMAT`.
   * @example const info = await api.inspectModel('/models/v1-5-pruned-emaonly.safetensors'); info.familyLabel // 'Stable Diffusion 1.x'
   */
  inspectModel(path: string): Promise<ModelInfo>;

  /**
   * Lists a folder for picking by path (web mode has no native file dialog): sub-folders, diffusers folders
   * and `.safetensors` / `.ckpt` files, or with `show: 'images'` folders and image files (importing).
   * Without a path, lists the user's home folder.
   * @example const { entries, parent } = await api.listDirectory('/models'); entries[0] // { name: 'sd15', kind: 'diffusers', … }
   * @example const { entries } = await api.listDirectory('/refs', 'images'); entries[0] // { name: 'cat.png', kind: 'image', … }
   */
  listDirectory(path?: string, show?: DirectoryShow): Promise<DirectoryListing>;

  /**
   * The compute device training would use and why each other one is not used, model folders of
   * A1111/Forge/ComfyUI/InvokeAI found here, and where Tessera keeps settings and caches.
   * @example const { device } = await api.getEnvironment(); device.chosen // 'cuda'
   */
  getEnvironment(): Promise<EnvironmentReport>;
  /**
   * Sets the CPU threads for training and image generation (null: the machine's physical cores); saved with
   * the app settings and used by runs started afterwards.
   * @example await api.setComputeThreads(4)
   */
  setComputeThreads(threads: number | null): Promise<void>;

  /**
   * Sets the folder new projects are made in (see `createNewProject`); saved with the app settings.
   * @example await api.setProjectsFolder('/home/ann/Pictures/Tessera Projects')
   */
  setProjectsFolder(dir: string): Promise<void>;

  /**
   * The folder new projects are made in (the setting, or the platform's default); answers at once, unlike
   * `getEnvironment`, which waits for the device probe.
   * @example await api.getProjectsFolder() // '/home/ann/.local/share/tessera/projects'
   */
  getProjectsFolder(): Promise<string>;

  /**
   * Shows a file in the system file manager (desktop app only; web mode answers INVALID_ARGUMENT with the path).
   * @example await api.revealPath('/art/ink/runs/ink-20261128/ink.safetensors')
   */
  revealPath(path: string): Promise<void>;

  // ── projects & dataset ──────────────────────────────────────────────────────────────────────────

  /**
   * Makes a project in `dir` (created if missing; must not already hold a project.json) and opens it.
   * @example const project = await api.createProject('/art/MyStyle', 'My style'); project.datasetDir // '/art/MyStyle/dataset'
   */
  createProject(dir: string, name: string): Promise<ProjectInfo>;

  /**
   * Makes a project in the projects folder without asking where: named `name` (numbered if taken) or
   * "Untitled style N". The first run: drop images, get a project.
   * @example const project = await api.createNewProject('ink'); project.dir // '/home/ann/Pictures/Tessera Projects/ink'
   */
  createNewProject(name?: string): Promise<ProjectInfo>;

  /**
   * Opens an existing project folder: remembers it in the recent list and starts watching its dataset.
   * @example const project = await api.openProject('/art/MyStyle')
   */
  openProject(dir: string): Promise<ProjectInfo>;

  /**
   * Changes a project's name, base model or settings and saves project.json atomically.
   * @example await api.updateProject('/art/MyStyle', { settings: { resolution: 768 } })
   */
  updateProject(dir: string, patch: ProjectPatch): Promise<ProjectInfo>;

  /**
   * Recently opened projects, newest first; folders that vanished are left out.
   * @example const [last] = await api.listRecentProjects()
   */
  listRecentProjects(): Promise<RecentProject[]>;

  /**
   * Every image of an open project's dataset with caption, tags, size, bucket and crop.
   * @example const { images } = await api.listDataset('/art/MyStyle'); images[0].bucket // { width: 576, height: 448 }
   */
  listDataset(project: string): Promise<DatasetListing>;

  /**
   * Imports files and folders (recursive) into the dataset; `dataset.importProgress` events report each
   * file; bad files are skipped with a reason and never stop the batch.
   * @example const { imported, skipped } = await api.importImages('/art/MyStyle', ['/downloads/refs'])
   */
  importImages(project: string, paths: string[]): Promise<ImportSummary>;

  /**
   * Writes one image's caption sidecar (UTF-8, atomic).
   * @example await api.writeCaption('/art/MyStyle', 'cat.png', 'a cat, watercolor')
   */
  writeCaption(project: string, rel: string, caption: string): Promise<void>;

  /**
   * Applies one tag edit to the captions of the selected images; it can be undone with `undoTagEdit`.
   * @example await api.editTags('/art/MyStyle', ['a.png', 'b.png'], { kind: 'prependTrigger', trigger: 'mystyle' })
   */
  editTags(project: string, rels: string[], edit: TagEdit): Promise<TagEditResult>;

  /**
   * Reverts the latest bulk tag edit of a project.
   * @example const { restored } = await api.undoTagEdit('/art/MyStyle')
   */
  undoTagEdit(project: string): Promise<UndoResult>;

  /**
   * How many captions carry each tag, most frequent first.
   * @example const [top] = await api.tagFrequency('/art/MyStyle'); top // { tag: 'watercolor', count: 40 }
   */
  tagFrequency(project: string): Promise<TagCount[]>;
}

export type ApiMethod = keyof TesseraApi;
export type ApiArgs<M extends ApiMethod> = Parameters<TesseraApi[M]>;
export type ApiResult<M extends ApiMethod> = Awaited<ReturnType<TesseraApi[M]>>;

export interface AppLog {
  level: 'info' | 'warn' | 'error';
  message: string;
  /** ISO 8601 time the line was logged. */
  time: string;
}

/** Events pushed from the core to every connected UI, named `area.thing`; payloads are plain DTOs. */
export type TesseraEvents = {
  'app.log': AppLog;
  /** A .safetensors file opened with Tessera (file association, drop on the dock icon): inspect it. */
  'app.openFile': { path: string };
  // projects & dataset
  'dataset.importProgress': ImportProgress;
  'dataset.changed': DatasetChanged;
} & TrainingEvents &
  CaptioningEvents;

export type EventName = keyof TesseraEvents;

/** The one object the Electron preload exposes as `window.tessera`; the renderer builds its client on it. */
export interface TesseraBridge {
  /** Calls an API method; resolves to the envelope (never rejects for API errors). */
  call(method: string, args: unknown[]): Promise<unknown>;
  /** Subscribes to one event; returns the unsubscribe function. */
  onEvent<E extends EventName>(name: E, listener: (payload: TesseraEvents[E]) => void): () => void;
  /** The absolute path of a dropped or picked `File` (Electron's `webUtils.getPathForFile`); '' when it has none. */
  getPathForFile(file: File): string;
}
