// The on-disk layout both derived caches share (latents, caption embeddings): one safetensors file per key,
// in a two-hex-digit shard folder so no folder grows to hundreds of thousands of files.
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Where the entry for `key` (hex) lives. @example shardFile('/c/latents', 'ab12…') // '/c/latents/ab/ab12….safetensors' */
export function shardFile(dir: string, key: string): string {
  return join(dir, key.slice(0, 2), `${key}.safetensors`);
}

/**
 * Deletes entries not in `keep` (stale ones) and leftovers of interrupted writes; returns how many.
 * @example await pruneShards(dir, new Set(report.entries.map((e) => e.key)))
 */
export async function pruneShards(dir: string, keep: ReadonlySet<string>): Promise<number> {
  const exists = await stat(dir).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false;
      throw error;
    },
  );
  if (!exists) return 0;
  let removed = 0;
  for (const shard of await readdir(dir, { withFileTypes: true })) {
    if (!shard.isDirectory() || !/^[0-9a-f]{2}$/.test(shard.name)) continue;
    for (const name of await readdir(join(dir, shard.name))) {
      const key = name.endsWith('.safetensors') ? name.slice(0, -'.safetensors'.length) : null;
      if (key !== null && keep.has(key)) continue;
      await rm(join(dir, shard.name, name), { force: true });
      removed++;
    }
  }
  return removed;
}
