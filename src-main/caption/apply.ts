// How a generated caption meets the one already there (CaptionMode), with the trigger word first. Pure;
// tags compare exactly, as everywhere in dataset/tags.ts.
import { formatTags, parseTags } from '../dataset/tags';
import type { CaptionMode } from './types';

/**
 * The caption to write, or null to leave the file as it is (fill-empty over a non-empty caption).
 * replace: prefix + generated; append: existing + the generated tags it lacks; fill-empty: as replace,
 * only where the caption is empty. The prefix is first in every result and never repeated.
 * @example combineCaption('ink, cat', 'cat, sky', 'append', 'inkstyle') // 'inkstyle, ink, cat, sky'
 */
export function combineCaption(
  existing: string,
  generated: string,
  mode: CaptionMode,
  prefix = '',
): string | null {
  if (mode === 'fill-empty' && existing.trim() !== '') return null;
  const lead = parseTags(prefix);
  const body = [...(mode === 'append' ? parseTags(existing) : []), ...parseTags(generated)];
  const seen = new Set<string>();
  const tags = [...lead, ...body].filter((tag) => !seen.has(tag) && seen.add(tag));
  return formatTags(tags);
}
