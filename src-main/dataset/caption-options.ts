// Training-time caption variation (kohya BaseDataset.process_caption): caption dropout, keep the first
// N tags fixed (keep_tokens), shuffle the rest, tag dropout. Pure; the RNG is passed in so runs replay.
import { shuffled, type Rng } from '../random';
import { formatTags, parseTags } from './tags';

export interface CaptionOptions {
  /** Shuffle the tags after the first `keepTokens`. */
  shuffleTags?: boolean;
  /** kohya keep_tokens: how many leading tags never move or drop (trigger words). */
  keepTokens?: number;
  /** Probability the whole caption becomes '' (trains the unconditional case). */
  captionDropout?: number;
  /** Probability each non-kept tag is dropped. */
  tagDropout?: number;
}

/**
 * The caption one training step sees. Without shuffle or tag dropout the text passes through untouched.
 * Example: `trainingCaption('sks, cat, red', {shuffleTags: true, keepTokens: 1}, seededRng(1))` → 'sks, red, cat'.
 */
export function trainingCaption(caption: string, options: CaptionOptions, rng: Rng): string {
  const captionDropout = options.captionDropout ?? 0;
  if (captionDropout > 0 && rng() < captionDropout) return '';
  const tagDropout = options.tagDropout ?? 0;
  if (!options.shuffleTags && tagDropout <= 0) return caption;
  const tags = parseTags(caption);
  const keep = Math.max(0, options.keepTokens ?? 0);
  let flexible = tags.slice(keep);
  if (options.shuffleTags) flexible = shuffled(flexible, rng);
  if (tagDropout > 0) flexible = flexible.filter(() => rng() >= tagDropout);
  return formatTags([...tags.slice(0, keep), ...flexible]);
}
