// The projects & dataset part of the API contract: plain DTOs and type-only imports (erased at build), so
// the preload, renderer, server and CLI can all use it.
import type { TrainConfig } from './train-config';

/** Per-project training-data settings that change what the dataset screen shows (buckets, import size floor). */
export interface ProjectSettings {
  /** Training resolution: buckets keep width × height within resolution². */
  resolution: number;
  /** Smallest accepted shorter side on import, in pixels. */
  minSide: number;
  /** kohya bucket_no_upscale: never enlarge small images to fill a bucket. */
  noUpscale: boolean;
}

/** The Train screen's choices for a project, saved in project.json so they come back when it opens. */
export interface ProjectTraining {
  /** The preset last applied, null when the options were set by hand. */
  presetId: string | null;
  /** Every option as last set (the Train screen's full config). */
  config: Partial<TrainConfig>;
  /** Adapter name. */
  name: string;
  /** Preview prompts, one per line as typed. */
  prompts: string;
}

/** What `project.json` holds, plus where the project lives. */
export interface ProjectInfo {
  /** Absolute project folder; the id every dataset method takes. */
  dir: string;
  name: string;
  /** Base model (.safetensors file or diffusers folder), null until one is chosen. */
  baseModelPath: string | null;
  settings: ProjectSettings;
  /** Training settings last used in this project, null until the Train screen saved some. */
  training: ProjectTraining | null;
  /** `<dir>/dataset`: images + same-name .txt captions (kohya layout). */
  datasetDir: string;
}

export interface RecentProject {
  dir: string;
  name: string;
  /** ISO 8601 time the project was last opened. */
  openedAt: string;
}

/** Fields `updateProject` may change; absent fields keep their value. */
export interface ProjectPatch {
  name?: string;
  baseModelPath?: string | null;
  settings?: Partial<ProjectSettings>;
  /** Replaces the saved training settings (null forgets them). */
  training?: ProjectTraining | null;
}

export interface PixelRect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** One dataset image as the grid and caption editor see it. */
export interface DatasetImage {
  /** Path inside dataset/, '/'-separated: the image's id. */
  rel: string;
  /** Absolute path (thumbnails are asked for by it). */
  path: string;
  caption: string;
  tags: string[];
  /** Size after EXIF orientation; 0 when the header cannot be read (see `problem`). */
  width: number;
  height: number;
  /** kohya repeat count from an `N_name` folder; 1 at the dataset root. */
  repeats: number;
  /** Content hash (thumbnail cache key); '' when unreadable. */
  hash: string;
  /** Aspect-ratio bucket for the project resolution, null when the image is unusable. */
  bucket: { width: number; height: number } | null;
  /** The center crop the trainer keeps, in original-image pixels. */
  crop: PixelRect | null;
  /** Why the image cannot be used for training, in plain words; null when it can. */
  problem: string | null;
}

export interface DatasetListing {
  project: string;
  images: DatasetImage[];
  /** How many bulk edits `undoTagEdit` can still revert. */
  undoDepth: number;
}

export interface SkippedFile {
  file: string;
  reason: string;
}

export interface ImportSummary {
  /** Dataset-relative paths of the newly imported images. */
  imported: string[];
  skipped: SkippedFile[];
}

/** One bulk edit; the same op is applied to every caption of a selection. */
export type TagOp =
  | { kind: 'add'; tag: string; at?: 'start' | 'end' }
  | { kind: 'remove'; tag: string }
  | { kind: 'replace'; from: string; to: string }
  | { kind: 'findReplace'; find: string; replace: string; regex?: boolean; flags?: string }
  | { kind: 'prependTrigger'; trigger: string }
  | { kind: 'sortDedupe'; sort?: boolean; keepFirst?: number }
  | { kind: 'set'; caption: string };

/** One bulk tag edit, applied to every caption of a selection (dataset/tags.ts applies it). */
export type TagEdit = TagOp;

export const TAG_EDIT_KINDS = [
  'add',
  'remove',
  'replace',
  'findReplace',
  'prependTrigger',
  'sortDedupe',
  'set',
] as const satisfies readonly TagEdit['kind'][];

export interface TagEditResult {
  /** Dataset-relative paths whose caption changed. */
  changed: string[];
  undoDepth: number;
}

export interface UndoResult {
  /** Dataset-relative paths whose caption was restored. */
  restored: string[];
  undoDepth: number;
}

export interface TagCount {
  tag: string;
  count: number;
}

/** Pushed per file while `importImages` runs. */
export interface ImportProgress {
  project: string;
  done: number;
  total: number;
  file: string;
}

/** Pushed when a dataset folder changed on disk (inside or outside the app); paths are dataset-relative. */
export interface DatasetChanged {
  project: string;
  added: string[];
  removed: string[];
  changed: string[];
  captionChanged: string[];
}
