// What every captioner (WD tagger, Florence-2) implements and reports. Types only; the catalogue's words
// (kinds, entries, caption modes) are the contract's (api/captioning.ts), re-exported for caption/'s callers.

import type { CaptionerKind } from '../api/captioning';

export type { CaptionerKind, CaptionMode, CatalogueEntry, CatalogueFile } from '../api/captioning';

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
