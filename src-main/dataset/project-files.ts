// The dataset folder on disk: images + same-name .txt captions, kohya "10_name" repeat folders one level
// deep, collision-free names (writes go through formats/atomic-write.ts)
// (docs/architecture.md#4-files-on-disk-a-project-is-a-plain-folder-a-user-can-read).
import { readdir } from 'node:fs/promises';
import { basename, dirname, extname, join, relative } from 'node:path';

/** Extensions we look at as images when listing a dataset (decoding decides what is really usable). */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set([
  '.jpg',
  '.jpeg',
  '.jpe',
  '.png',
  '.webp',
  '.avif',
  '.heic',
  '.heif',
  '.tif',
  '.tiff',
  '.gif',
  '.bmp',
]);

/** Caption sidecar extensions read on import, in preference order. We always write `.txt` (kohya's default). */
export const CAPTION_EXTENSIONS = ['.txt', '.caption'] as const;

/** The caption file kohya reads for an image: same folder, same stem, `.txt`. */
export function captionPathFor(imagePath: string): string {
  return join(dirname(imagePath), stem(imagePath) + '.txt');
}

/** File name without its last extension. Example: `stem('/a/cat.01.png')` → 'cat.01'. */
export function stem(path: string): string {
  const name = basename(path);
  return name.slice(0, name.length - extname(name).length);
}

export function isImagePath(path: string): boolean {
  return IMAGE_EXTENSIONS.has(extname(path).toLowerCase());
}

export function isCaptionPath(path: string): boolean {
  return (CAPTION_EXTENSIONS as readonly string[]).includes(extname(path).toLowerCase());
}

/** Kohya's repeat folder name `<repeats>_<name>`; null for any other name. Example: '10_cat' → {repeats: 10, name: 'cat'}. */
export function parseRepeatFolder(folder: string): { repeats: number; name: string } | null {
  const match = /^(\d+)_(.+)$/.exec(folder);
  if (!match) return null;
  const repeats = Number(match[1]);
  return repeats > 0 ? { repeats, name: match[2] } : null;
}

/**
 * A file name in `dir` not in `taken` (lower-cased full paths): `cat.png`, then `cat-1.png`, `cat-2.png`…
 * The caller adds the result to `taken`, so one batch never hands out the same name twice.
 */
export function uniqueName(dir: string, fileName: string, taken: ReadonlySet<string>): string {
  const ext = extname(fileName);
  const base = fileName.slice(0, fileName.length - ext.length);
  for (let i = 0; ; i++) {
    const candidate = i === 0 ? fileName : `${base}-${i}${ext}`;
    const full = join(dir, candidate);
    // Names are compared case-insensitively, as on macOS and Windows, so a project moves between systems intact.
    if (!taken.has(full.toLowerCase()) && !taken.has(captionPathFor(full).toLowerCase())) return candidate;
  }
}

/** One image of a dataset folder, with where its caption lives and how often kohya repeats it. */
export interface DatasetEntry {
  path: string;
  /** Path relative to the dataset folder, with '/' separators: the image's id in the UI. */
  rel: string;
  captionPath: string;
  repeats: number;
}

/**
 * Images in a dataset folder: the root (repeats 1) and its `N_name` subfolders (repeats N), sorted by `rel`.
 * Hidden files are skipped. Example: `await listDataset('/p/dataset')`.
 */
export async function listDataset(datasetDir: string): Promise<DatasetEntry[]> {
  const entries: DatasetEntry[] = [];
  const top = await readdir(datasetDir, { withFileTypes: true });
  for (const dirent of top) {
    if (dirent.name.startsWith('.')) continue;
    if (dirent.isFile() && isImagePath(dirent.name))
      entries.push(entryFor(datasetDir, join(datasetDir, dirent.name), 1));
    const repeat = dirent.isDirectory() ? parseRepeatFolder(dirent.name) : null;
    if (repeat)
      entries.push(...(await listFolder(datasetDir, join(datasetDir, dirent.name), repeat.repeats)));
  }
  return entries.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

async function listFolder(root: string, folder: string, repeats: number): Promise<DatasetEntry[]> {
  const dirents = await readdir(folder, { withFileTypes: true });
  return dirents
    .filter((d) => d.isFile() && !d.name.startsWith('.') && isImagePath(d.name))
    .map((d) => entryFor(root, join(folder, d.name), repeats));
}

function entryFor(root: string, path: string, repeats: number): DatasetEntry {
  return {
    path,
    rel: relative(root, path).split('\\').join('/'),
    captionPath: captionPathFor(path),
    repeats,
  };
}
