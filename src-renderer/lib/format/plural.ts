// Counts in words: "1 bucket", "3 buckets". English only, like the rest of the UI.

/**
 * @example plural(1, 'bucket') // '1 bucket'
 * @example plural(3, 'image') // '3 images'
 * @example plural(2, 'batch', 'batches') // '2 batches'
 */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
