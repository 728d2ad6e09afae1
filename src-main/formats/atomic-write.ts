// Writes that a reader sees whole or not at all: a hidden temp sibling, then a rename over the target, so a
// crash or a full disk leaves the previous file (docs/architecture.md#4-files-on-disk-a-project-is-a-plain-folder-a-user-can-read).
// The temp stays in the target's folder because a rename is atomic only within one file system.
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * A hidden sibling name for a temp file; dot-prefixed so listings and the folder watcher skip it.
 * @example tempPathFor('/p/dataset/cat.txt') // '/p/dataset/.cat.txt.1a2b3c4d.tmp'
 */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
}

export interface ReplaceOptions {
  /** How the finished temp file is moved over the target; a caller wraps it to word a failure its own way. */
  rename?: (temp: string, path: string) => Promise<void>;
}

/**
 * Runs `write(temp)` on a temp sibling of `path`, then renames the temp over `path`. On any failure the temp is
 * removed and `path` is left as it was.
 * @example await replaceAtomically('/p/cache/thumbs/ab.webp', (temp) => image.toFile(temp))
 */
export async function replaceAtomically<T>(
  path: string,
  write: (temp: string) => Promise<T>,
  options: ReplaceOptions = {},
): Promise<T> {
  const temp = tempPathFor(path);
  try {
    const result = await write(temp);
    await (options.rename ?? rename)(temp, path);
    return result;
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * `replaceAtomically` for synchronous writers (the converted-weights store runs inside synchronous emission).
 * @example replaceAtomicallySync('/cache/w.bin', (temp) => writeFileSync(temp, bytes))
 */
export function replaceAtomicallySync<T>(path: string, write: (temp: string) => T): T {
  const temp = tempPathFor(path);
  try {
    const result = write(temp);
    renameSync(temp, path);
    return result;
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/**
 * Writes a file so readers see the old or the new bytes, never half. A full disk is named as such, with the file.
 * @example await writeFileAtomic('/p/dataset/cat.txt', 'a cat')
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  try {
    await replaceAtomically(path, (temp) => writeFile(temp, data));
  } catch (error) {
    throw withPath(path, error);
  }
}

/** A full disk named as such, with the file it was writing (the errno stays on it for api/errors.ts). */
function withPath(path: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== 'ENOSPC' && code !== 'EDQUOT') return error;
  return Object.assign(
    new Error(`${path}: not written, the disk is full (${code}); the previous file is unchanged`, {
      cause: error,
    }),
    { code },
  );
}
