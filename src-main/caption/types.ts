// The captioning contract shared by the model catalogue, the downloader, every captioner (WD tagger,
// Florence-2) and the front doors (CLI `tessera caption`, the app's "Caption images"). Types only.

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

/** Progress of a download or a captioning run. */
export interface CaptionProgress {
  phase: 'download' | 'caption';
  done: number;
  total: number;
  /** The file or image being processed. */
  item?: string;
}

/** A loaded captioner: images in, one caption string per image out (tags joined with ", " for taggers). */
export interface ImageCaptioner {
  readonly kind: CaptionerKind;
  caption(imagePaths: readonly string[], signal?: AbortSignal): Promise<string[]>;
  dispose(): Promise<void>;
}
