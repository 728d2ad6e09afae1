// A digest that is slow to compute (a multi-GB file's sha256, a VAE encoder's weights) remembered under the
// cache folder by a cheap key: the files' real paths, sizes and modification times plus whatever else shapes
// the result. A file rewritten in place changes its mtime, so the key changes and the digest is recomputed.
import { createHash } from 'node:crypto';
import { mkdir, readFile, realpath, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from './atomic-write';

/** The folder under a cache root that holds remembered digests. */
export const DIGESTS_DIR = 'hashes';

/**
 * A key naming `files` as they are now (real path, size, mtime) and `extra` (any JSON-able facts).
 * @example const key = await fileStateKey(['/models/sd15.safetensors'], { part: 'vae-encoder' })
 */
export async function fileStateKey(files: readonly string[], extra: unknown = null): Promise<string> {
  const states = [];
  for (const file of [...new Set(files)].sort()) {
    const real = await realpath(file);
    const st = await stat(real);
    states.push({ real, size: st.size, mtime: st.mtimeMs });
  }
  // One file and no extra keeps the key the file-hash cache has always used, so existing entries still hit.
  const named = states.length === 1 && extra === null ? states[0] : { states, extra };
  return createHash('sha256').update(JSON.stringify(named)).digest('hex').slice(0, 32);
}

/**
 * `compute()`'s hex digest, remembered as `<cacheDir>/hashes/<key><suffix>`; a remembered value that is not
 * lowercase hex (a torn or foreign file) is recomputed and replaced.
 * @example const sha = await rememberedDigest('/cache', await fileStateKey([p]), '.sha256', () => fileSha256(p))
 */
export async function rememberedDigest(
  cacheDir: string,
  key: string,
  suffix: string,
  compute: () => Promise<string>,
): Promise<string> {
  const entry = join(cacheDir, DIGESTS_DIR, `${key}${suffix}`);
  const known = (await readFile(entry, 'utf8').catch(() => '')).trim();
  if (/^[0-9a-f]{16,}$/.test(known)) return known;
  const digest = await compute();
  await mkdir(dirname(entry), { recursive: true });
  await writeFileAtomic(entry, digest);
  return digest;
}
