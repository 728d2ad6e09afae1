// The dataset grid's filter: everything, images without a caption, or images carrying one tag; plus a
// free-text search over file names and captions. Client side: the listing is already in memory.
import type { DatasetImage, TagCount } from '../../../src-main/api/contract';

export type DatasetFilter = { kind: 'all' } | { kind: 'uncaptioned' } | { kind: 'tag'; tag: string };

/** @example filterImages(images, { kind: 'uncaptioned' }, '') */
export function filterImages(
  images: readonly DatasetImage[],
  filter: DatasetFilter,
  search: string,
): DatasetImage[] {
  const needle = search.trim().toLowerCase();
  return images.filter((image) => {
    if (filter.kind === 'uncaptioned' && image.caption.trim() !== '') return false;
    if (filter.kind === 'tag' && !image.tags.includes(filter.tag)) return false;
    return (
      needle === '' ||
      image.rel.toLowerCase().includes(needle) ||
      image.caption.toLowerCase().includes(needle)
    );
  });
}

/**
 * Tag counts over the listing (each caption counts a tag once), most frequent first, ties alphabetical:
 * the same rule as dataset/tags.ts tagFrequency, so the list never needs a round trip.
 * @example countTags([{ tags: ['a', 'b'] }, { tags: ['a'] }]) // [{ tag: 'a', count: 2 }, { tag: 'b', count: 1 }]
 */
export function countTags(images: readonly Pick<DatasetImage, 'tags'>[]): TagCount[] {
  const counts = new Map<string, number>();
  for (const image of images)
    for (const tag of new Set(image.tags)) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  return [...counts]
    .map(([tag, count]) => ({ tag, count }))
    .sort((a, b) => b.count - a.count || a.tag.localeCompare(b.tag));
}

/** Comma-separated tags, as kohya captions hold them. @example splitTags(' a, b ,,c') // ['a', 'b', 'c'] */
export function splitTags(caption: string): string[] {
  return caption
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '');
}
