// The caption layer's front: pick a model from the catalogue, find or fetch its files, open the
// captioner of its kind. Front doors (CLI, app) use these and apply.ts.
import type { ProviderChoice } from '../engine/runtime/providers';
import type { SessionOptions } from '../engine/runtime/session';
import type { CatalogueEntry, ImageCaptioner } from './types';
import { openFlorence2Captioner, type Florence2Options } from './florence2/index';
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
  /** Florence-2 options (task prompt, beams, caption length); the task defaults to a short caption. */
  florence2?: Partial<Florence2Options>;
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
      return openFlorence2Captioner(
        folder,
        { task: 'caption', ...options.florence2 },
        {
          ...(options.provider?.prefer?.[0] ? { provider: options.provider.prefer[0] } : {}),
          ...(options.session?.threads ? { threads: options.session.threads } : {}),
        },
      );
  }
}
