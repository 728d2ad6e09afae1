// Folder listings for picking by path in web mode (no native file dialog there): folders, diffusers folders
// (they hold model_index.json) and checkpoint files when picking a model; folders and images when importing.
import type { Dirent, Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import type { DirectoryEntry, DirectoryListing, DirectoryShow } from '../api/contract';
import { ApiError } from '../api/errors';
import { isImagePath } from '../dataset/project-files';

/** Extensions shown in listings: safetensors to open, .ckpt so its refusal can explain the conversion. */
export const MODEL_FILE_EXTENSIONS: readonly string[] = ['.safetensors', '.ckpt'];

const DIFFUSERS_MARKER = 'model_index.json';

/** Most folders anyone browses hold fewer; a cap keeps a huge folder from stalling the UI. */
export const MAX_ENTRIES = 2000;

/** Entries that vanish, deny access or are broken links while we look are simply not listable. */
const UNLISTABLE = new Set(['ENOENT', 'ENOTDIR', 'EACCES', 'EPERM', 'ELOOP']);

async function statOrNull(path: string): Promise<Stats | null> {
  try {
    return await stat(path);
  } catch (err) {
    if (UNLISTABLE.has((err as NodeJS.ErrnoException).code ?? '')) return null;
    throw err;
  }
}

async function entryFor(folder: string, dirent: Dirent, show: DirectoryShow): Promise<DirectoryEntry | null> {
  const path = join(folder, dirent.name);
  const info = dirent.isFile() || dirent.isDirectory() ? dirent : await statOrNull(path);
  if (info?.isDirectory()) {
    const kind = (await statOrNull(join(path, DIFFUSERS_MARKER)))?.isFile() ? 'diffusers' : 'directory';
    return { name: dirent.name, path, kind, size: null };
  }
  const wanted =
    show === 'images'
      ? isImagePath(dirent.name)
      : MODEL_FILE_EXTENSIONS.includes(extname(dirent.name).toLowerCase());
  if (!info?.isFile() || !wanted) return null;
  const size = (await statOrNull(path))?.size;
  return size === undefined
    ? null
    : { name: dirent.name, path, kind: show === 'images' ? 'image' : 'file', size };
}

const isFolder = (e: DirectoryEntry) => e.kind === 'directory' || e.kind === 'diffusers';
const order = (a: DirectoryEntry, b: DirectoryEntry): number =>
  Number(isFolder(b)) - Number(isFolder(a)) || a.name.localeCompare(b.name);

/**
 * Lists one folder (default: the home folder). Symlinks are followed; hidden entries are left out.
 * @example const { entries } = await listModelDirectory('/models'); // [{ name: 'sd15', kind: 'diffusers', … }, …]
 * @example const { entries } = await listModelDirectory('/refs', 'images'); // [{ name: 'cat.png', kind: 'image', … }]
 */
export async function listModelDirectory(
  path?: string,
  show: DirectoryShow = 'models',
): Promise<DirectoryListing> {
  const folder = resolve(path ?? homedir());
  if (path !== undefined && !isAbsolute(path)) {
    throw new ApiError('INVALID_ARGUMENT', `Give a full path (starting at a drive or /), not "${path}".`);
  }
  const info = await statOrNull(folder);
  if (!info) throw new ApiError('NOT_FOUND', `There is no folder at ${folder} (or it cannot be read).`);
  if (!info.isDirectory()) throw new ApiError('INVALID_ARGUMENT', `${folder} is a file, not a folder.`);
  const dirents = (await readdir(folder, { withFileTypes: true })).filter((d) => !d.name.startsWith('.'));
  const entries: DirectoryEntry[] = [];
  for (const dirent of dirents.slice(0, MAX_ENTRIES)) {
    const entry = await entryFor(folder, dirent, show);
    if (entry) entries.push(entry);
  }
  const parent = dirname(folder);
  return { path: folder, parent: parent === folder ? null : parent, entries: entries.sort(order) };
}
