// The tag view of a caption (comma-separated tags, trimmed) and the bulk edits over it, as pure
// functions on strings; captions.ts applies them to files. Tags compare exactly (case kept).
import type { TagOp } from '../api/projects';

export type { TagOp } from '../api/projects';

/** Splits a caption into trimmed, non-empty tags. Example: `parseTags(' a, b ,,c')` → ['a', 'b', 'c']. */
export function parseTags(caption: string): string[] {
  return caption
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag.length > 0);
}

/** Joins tags the way kohya writes them. Example: `formatTags(['a', 'b'])` → 'a, b'. */
export function formatTags(tags: readonly string[]): string {
  return tags.join(', ');
}

/**
 * Applies one op to one caption and returns the new caption.
 * Example: `applyTagOp('cat, dog', {kind: 'replace', from: 'dog', to: 'fox'})` → 'cat, fox'.
 */
export function applyTagOp(caption: string, op: TagOp): string {
  const tags = parseTags(caption);
  switch (op.kind) {
    case 'add':
      if (tags.includes(op.tag.trim())) return caption;
      return formatTags(op.at === 'start' ? [op.tag.trim(), ...tags] : [...tags, op.tag.trim()]);
    case 'remove':
      return tags.includes(op.tag.trim()) ? formatTags(tags.filter((t) => t !== op.tag.trim())) : caption;
    case 'replace':
      return tags.includes(op.from.trim())
        ? formatTags(dedupe(tags.map((t) => (t === op.from.trim() ? op.to.trim() : t))))
        : caption;
    case 'findReplace':
      return findReplace(caption, op.find, op.replace, op.regex === true, op.flags);
    case 'prependTrigger':
      return formatTags([op.trigger.trim(), ...tags.filter((t) => t !== op.trigger.trim())]);
    case 'sortDedupe':
      return formatTags(sortDedupe(tags, op.sort !== false, op.keepFirst ?? 0));
    case 'set':
      return op.caption;
  }
}

/**
 * Plain or regex find & replace on the whole caption text (not the tag view), all occurrences.
 * A bad regex throws a SyntaxError: the caller validates before touching any file.
 */
export function findReplace(
  caption: string,
  find: string,
  replace: string,
  regex: boolean,
  flags = '',
): string {
  if (find.length === 0) return caption;
  if (!regex) return caption.split(find).join(replace);
  const global = flags.includes('g') ? flags : flags + 'g';
  return caption.replace(new RegExp(find, global), replace);
}

function dedupe(tags: readonly string[]): string[] {
  return [...new Set(tags)];
}

/** Removes repeats (first wins); sorts alphabetically after the first `keepFirst` tags (trigger words stay put). */
function sortDedupe(tags: readonly string[], sort: boolean, keepFirst: number): string[] {
  const unique = dedupe(tags);
  if (!sort) return unique;
  const fixed = unique.slice(0, keepFirst);
  const rest = unique.slice(keepFirst).sort((a, b) => a.localeCompare(b));
  return [...fixed, ...rest];
}

export interface TagCount {
  tag: string;
  count: number;
}

/**
 * How many captions carry each tag (a tag repeated in one caption counts once), most frequent first,
 * ties alphabetical. Example: `tagFrequency(['a, b', 'a'])` → [{tag: 'a', count: 2}, {tag: 'b', count: 1}].
 */
export function tagFrequency(captions: Iterable<string>): TagCount[] {
  const counts = new Map<string, number>();
  for (const caption of captions) {
    for (const tag of new Set(parseTags(caption))) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  }
  return [...counts]
    .map(([tag, count]) => ({ tag, count }))
    .sort((a, b) => b.count - a.count || a.tag.localeCompare(b.tag));
}
