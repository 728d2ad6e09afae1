// The auto-captioning part of the API contract: the model catalogue as the app shows it, downloads on demand,
// a preview and a run over a dataset scope, and the catalogue's own words (captioner kinds, modes, Florence-2
// tasks). Plain DTOs that import nothing, so every floor, preload and renderer can use them.

/** The captioner families Tessera can run. */
export type CaptionerKind = 'wd-tagger' | 'florence2';

/** One file of a published model, as the catalogue pins it. */
export interface CatalogueFile {
  /** Path inside the model repository, e.g. `model.onnx` or `onnx/decoder_model_merged.onnx`. */
  path: string;
  /** Lower-case hex sha256 of the file's bytes; downloads are verified against it. */
  sha256: string;
  /** Size in bytes, for progress and disk checks. */
  size: number;
  /**
   * Set when `sha256` and `size` could not be confirmed from a public source (then they are '' and 0):
   * says why. Such a file is checked against the hub's own sha256 (`X-Linked-Etag`) when it sends one, and
   * the hash it had is recorded on download (catalogue.ts, model-folder.ts).
   */
  unpinned?: string;
}

/** A captioning model the app offers; nothing is downloaded until the user asks for it. */
export interface CatalogueEntry {
  /** The id users type: `wd-swinv2-v3`, `florence2-base` … */
  id: string;
  kind: CaptionerKind;
  /** Human name and one line on what it is good for. */
  name: string;
  summary: string;
  licence: string;
  /** The hub repository and the pinned revision (commit) the files come from. */
  repo: string;
  revision: string;
  files: CatalogueFile[];
}

/** How generated captions combine with what is already there. */
export type CaptionMode = 'replace' | 'append' | 'fill-empty';

/** The caption modes in the order the UI offers them; `satisfies` keeps the list in step with CaptionMode. */
export const CAPTION_MODES = ['fill-empty', 'append', 'replace'] as const satisfies readonly CaptionMode[];

/** Florence-2's task prompts in the order the UI offers them: a sentence, a detailed one, a paragraph. The one
 * list of task names: caption/florence2/tasks.ts maps each to its prompt. */
export const CAPTION_TASKS = ['caption', 'detailed', 'more-detailed'] as const;
export type Florence2Task = (typeof CAPTION_TASKS)[number];
export type CaptionTask = Florence2Task;

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
