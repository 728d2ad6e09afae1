// The auto-captioning part of the API contract: the model catalogue as the app shows it, downloads on demand,
// a preview and a run over a dataset scope. Plain DTOs and type-only imports, so preload and renderer can use it.
import type { Florence2Task } from '../caption/florence2/tasks';
import type { CaptionerKind, CaptionMode } from '../caption/types';

export type { CaptionerKind, CaptionMode } from '../caption/types';

/** The caption modes in the order the UI offers them; `satisfies` keeps the list in step with CaptionMode. */
export const CAPTION_MODES = ['fill-empty', 'append', 'replace'] as const satisfies readonly CaptionMode[];

/** Florence-2's task prompts in the order the UI offers them: a sentence, a detailed one, a paragraph. */
export const CAPTION_TASKS = [
  'caption',
  'detailed',
  'more-detailed',
] as const satisfies readonly Florence2Task[];
export type CaptionTask = (typeof CAPTION_TASKS)[number];

/** One catalogue model as the Dataset screen lists it: what it is, its size, and whether it is on disk. */
export interface CaptionModelInfo {
  id: string;
  kind: CaptionerKind;
  name: string;
  summary: string;
  licence: string;
  /** Where the files come from: the hub repository and pinned revision. */
  source: string;
  /** Sum of the catalogue's file sizes in bytes: what "Download" fetches. */
  bytes: number;
  /** Every file is in the app's model cache with its catalogue size. */
  installed: boolean;
  /** The cache folder the files are (or will be) kept in: `<cache>/caption-models/<id>/`. */
  folder: string;
}

/** Which images of a dataset to caption. */
export type CaptionScope =
  | { kind: 'all' }
  /** Images whose caption is empty or missing. */
  | { kind: 'uncaptioned' }
  | { kind: 'selected'; rels: string[] };

export const CAPTION_SCOPE_KINDS = [
  'all',
  'uncaptioned',
  'selected',
] as const satisfies readonly CaptionScope['kind'][];

/** How to caption: the model, how new text combines with the old, and the tagger's knobs. */
export interface CaptionOptions {
  modelId: string;
  /** A folder that already holds the model's files (offline use); default: the app's model cache. */
  modelDir?: string;
  mode: CaptionMode;
  /** Tagger: keep general tags scoring at least this (default: the model authors' recommendation). */
  generalThreshold?: number;
  /** Tagger: keep character tags scoring at least this. */
  characterThreshold?: number;
  /** Tagger: add the top rating tag (general, sensitive, questionable, explicit). */
  rating?: boolean;
  /** Tags never written (compared after underscores become spaces). */
  exclude?: string[];
  /** Kept first in every caption, e.g. the trigger word. */
  prefix?: string;
  /** Florence-2: which caption to write (default a one-sentence caption). */
  task?: CaptionTask;
  /** Florence-2: beam search width (default the model's, 3); 1 is greedy decoding. */
  beams?: number;
  /** Florence-2: longest caption in tokens. */
  maxTokens?: number;
}

/** What one image's caption would become. */
export interface CaptionPreviewItem {
  rel: string;
  before: string;
  after: string;
}

export interface CaptionRunResult {
  /** Dataset-relative paths whose caption file changed (all undone by one `undoTagEdit`). */
  changed: string[];
  /** Images captioned (changed or not) of the scope's total. */
  captioned: number;
  total: number;
  /** Stopped by `cancelCaptioning`; the captions written so far stay (and undo together). */
  cancelled: boolean;
  undoDepth: number;
}

/** Pushed after each batch of a captioning run (and once as it starts). */
export interface CaptionRunProgress {
  project: string;
  done: number;
  total: number;
  /** The last image captioned. */
  item?: string;
  /** Seconds left at the pace so far; null before the first batch. */
  etaSeconds: number | null;
}

/** Pushed while a model downloads, and once when it ends. */
export interface CaptionDownloadProgress {
  modelId: string;
  done: number;
  total: number;
  status: 'downloading' | 'done' | 'cancelled' | 'failed';
  /** The file being fetched. */
  item?: string;
  /** Why it failed, in plain words (offline, wrong checksum …). */
  error?: string;
}

export interface CaptioningApi {
  /**
   * The captioning models Tessera offers, with size, licence and whether each is on disk. Downloads nothing.
   * @example const [wd] = await api.listCaptionModels(); wd.installed // false
   */
  listCaptionModels(): Promise<CaptionModelInfo[]>;
  /**
   * Fetches a model's files into the app's model cache (resuming a broken download, verifying sha256);
   * `caption.download` events report progress. Only ever called when the user asks.
   * @example await api.downloadCaptionModel('wd-swinv2-v3')
   */
  downloadCaptionModel(id: string): Promise<CaptionModelInfo>;
  /** Stops a running download; the part already fetched is kept for resuming. */
  cancelCaptionDownload(id: string): Promise<void>;
  /**
   * What captioning would write for the first `count` images of the scope (default 4); writes nothing.
   * @example const items = await api.previewCaptions('/art/ink', { kind: 'all' }, { modelId: 'wd-swinv2-v3', mode: 'replace' })
   */
  previewCaptions(
    project: string,
    scope: CaptionScope,
    options: CaptionOptions,
    count?: number,
  ): Promise<CaptionPreviewItem[]>;
  /**
   * Captions the scope's images in the trainer worker process, batched, writing kohya `.txt` sidecars as it
   * goes; `caption.progress` events report each batch with an ETA. One `undoTagEdit` reverts the whole run.
   * @example const { changed } = await api.captionImages('/art/ink', { kind: 'uncaptioned' }, { modelId: 'wd-swinv2-v3', mode: 'fill-empty' })
   */
  captionImages(project: string, scope: CaptionScope, options: CaptionOptions): Promise<CaptionRunResult>;
  /** Stops a project's captioning run after its current batch. */
  cancelCaptioning(project: string): Promise<void>;
}

export type CaptioningEvents = {
  'caption.progress': CaptionRunProgress;
  'caption.download': CaptionDownloadProgress;
};
