// The caption layer's front: pick a model from the catalogue, find or fetch its files, open the
// captioner of its kind. Front doors (CLI, app) use these and apply.ts.
import type { ProviderChoice } from '../engine/runtime/providers';
import type { SessionOptions } from '../engine/runtime/session';
import type { CatalogueEntry, ImageCaptioner } from './types';
import { openWdTagger, type WdTaggerOptions } from './wd-tagger/tagger';

export { CATALOGUE, catalogueEntry, DEFAULT_HUB, defaultHub, fileUrl } from './catalogue';
export { CaptionFileError, CaptionModelError } from './errors';
export { combineCaption } from './apply';
export { DownloadError, downloadFile, IntegrityError } from './download';
export { cachedModelDir, missingFiles, resolveModelFolder, type ModelFolderOptions } from './model-folder';
export { TAG_DEFAULTS, type TagOptions } from './wd-tagger/postprocess';

export interface CaptionerOptions {
  /** WD tagger options (thresholds, rating, exclusions, batch size); ignored by other kinds. */
  tagger?: WdTaggerOptions;
  /** Florence-2 options, passed through to its captioner. */
  florence2?: Record<string, unknown>;
  session?: Omit<SessionOptions, 'providers'>;
  provider?: ProviderChoice;
}

/**
 * Opens the captioner for a catalogue entry whose files are in `folder` (see resolveModelFolder).
 * @example const captioner = await openCaptioner(catalogueEntry('wd-swinv2-v3'), folder, { tagger: { rating: true } })
 */
export async function openCaptioner(
  entry: CatalogueEntry,
  folder: string,
  options: CaptionerOptions = {},
): Promise<ImageCaptioner> {
  switch (entry.kind) {
    case 'wd-tagger':
      return openWdTagger(folder, options.tagger, options.session, options.provider);
    case 'florence2':
      // MERGE: issue 18b adds `./florence2/index` (openFlorence2Captioner(folder, options, sessionOptions));
      // this placeholder is replaced by that call when the branches meet.
      throw new Error('Florence-2 captioner not built into this branch');
  }
}
