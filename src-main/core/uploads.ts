// Web mode's drag & drop: browsers never reveal a dropped file's path, so the bytes are uploaded into a
// staging folder inside the project (cache/uploads/<batch>/), imported from there like any folder, then removed.
// Batches never imported (a closed tab, a crash) expire: swept when a project opens and before each new batch.
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ApiError } from '../api/errors';
import { PROJECT_DIRS } from './projects';

/** Larger than any sane training image; a runaway or hostile body stops here. */
export const MAX_UPLOAD_BYTES = 512 * 1024 * 1024;

/** A batch untouched this long was abandoned: an upload and its import take seconds to minutes. */
export const STAGED_TTL_MS = 6 * 60 * 60 * 1000;

/** One batch per drop, so an image and its caption sidecar land side by side. */
const BATCH_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** @example uploadsDir('/art/MyStyle') // '/art/MyStyle/cache/uploads' */
export function uploadsDir(projectDir: string): string {
  return join(projectDir, PROJECT_DIRS.uploads);
}

function checkName(name: string): void {
  const bad =
    name === '' || name.length > 255 || /[\\/\0]/.test(name) || name.startsWith('.') || name.trim() !== name;
  if (bad) throw new ApiError('INVALID_ARGUMENT', `"${name}" cannot be used as an uploaded file name.`);
}

function limiter(limit: number): Transform {
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > limit)
        done(new ApiError('INVALID_ARGUMENT', `Uploads are limited to ${limit} bytes per file.`));
      else done(null, chunk);
    },
  });
}

/**
 * Writes one uploaded file into the project's staging folder and returns its path (give it to importImages).
 * @example const path = await stageUpload('/art/MyStyle', 'drop-1', 'cat.png', request)
 */
export async function stageUpload(
  projectDir: string,
  batch: string,
  name: string,
  body: AsyncIterable<Uint8Array>,
  limit = MAX_UPLOAD_BYTES,
): Promise<string> {
  if (!BATCH_ID.test(batch))
    throw new ApiError('INVALID_ARGUMENT', `"${batch}" is not a valid upload batch id.`);
  checkName(name);
  const folder = join(uploadsDir(projectDir), batch);
  if (!(await isDir(folder))) await expireStaged(projectDir);
  await mkdir(folder, { recursive: true });
  const path = join(folder, name);
  try {
    await pipeline(body, limiter(limit), createWriteStream(path, { flags: 'wx' }));
  } catch (err) {
    // EEXIST: the earlier upload of this name is intact and must stay; anything else leaves a partial file.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      throw new ApiError('INVALID_ARGUMENT', `${name} was already uploaded in this batch.`, { cause: err });
    await rm(path, { force: true });
    throw err;
  }
  return path;
}

/**
 * Removes the staging batches that `paths` point into (after an import, successful or not).
 * @example await clearStaged('/art/MyStyle', ['/art/MyStyle/cache/uploads/drop-1/cat.png'])
 */
export async function clearStaged(projectDir: string, paths: readonly string[]): Promise<void> {
  const root = uploadsDir(projectDir) + sep;
  const batches = new Set<string>();
  for (const path of paths) {
    const full = resolve(path);
    if (full.startsWith(root)) batches.add(full.slice(root.length).split(sep)[0]);
  }
  for (const batch of batches)
    if (BATCH_ID.test(batch)) await rm(join(root, batch), { recursive: true, force: true });
}

/**
 * How a report names a file: an uploaded file by the name the user dropped, anything else by its path.
 * @example stagedName('/p', '/p/cache/uploads/drop-1/cat.png') // 'cat.png'
 */
export function stagedName(projectDir: string, path: string): string {
  const root = uploadsDir(projectDir) + sep;
  return path.startsWith(root) ? path.slice(root.length).split(sep).slice(1).join(sep) : path;
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/**
 * Removes staging batches last written more than `ttlMs` ago (0: every batch, e.g. when nothing can be in
 * flight); returns how many. Each new file in a batch refreshes its folder's time, so a batch in use stays.
 * @example await expireStaged('/art/MyStyle') // 2
 */
export async function expireStaged(
  projectDir: string,
  ttlMs = STAGED_TTL_MS,
  now = Date.now(),
): Promise<number> {
  const root = uploadsDir(projectDir);
  let names: string[];
  try {
    names = await readdir(root);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  let removed = 0;
  for (const name of names) {
    const path = join(root, name);
    const info = await stat(path);
    if (now - info.mtimeMs < ttlMs) continue;
    await rm(path, { recursive: true, force: true });
    removed++;
  }
  return removed;
}
