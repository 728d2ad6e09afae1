// What a drop of files and folders means for import: every candidate file (recursive, hidden names
// skipped), the kohya repeat folder it belongs in, and its .txt/.caption sidecar if one exists.
import { access, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { CAPTION_EXTENSIONS, isCaptionPath, parseRepeatFolder, stem } from './project-files';

export interface ImportSource {
  /** Absolute path of the dropped file. */
  file: string;
  /** Subfolder of dataset/ it goes to: '' (root) or a kohya repeat folder like '10_cat'. */
  folder: string;
  /** Its caption sidecar, if any (.txt preferred over .caption). */
  sidecar: string | null;
}

export interface CollectedSources {
  sources: ImportSource[];
  /** Inputs that could not be read at all (missing path, permission), with why. */
  missing: { file: string; reason: string }[];
}

/**
 * Expands dropped paths into import candidates, sorted by path. Caption files are not candidates:
 * they travel with their image. A file under an `N_name` folder (at any depth of the drop, the
 * nearest one wins) goes to `dataset/N_name/`; everything else lands flat in `dataset/`.
 * Example: `await collectSources(['/drop/10_cat', '/drop/extra.png'])`.
 */
export async function collectSources(inputs: readonly string[]): Promise<CollectedSources> {
  const sources: ImportSource[] = [];
  const missing: { file: string; reason: string }[] = [];
  for (const input of inputs) {
    const file = resolve(input);
    try {
      const info = await stat(file);
      if (info.isDirectory()) await walk(file, repeatFolderOf(basename(file)), sources);
      else if (!isCaptionPath(file))
        sources.push({ file, folder: repeatFolderOf(basename(dirname(file))), sidecar: null });
    } catch (error) {
      missing.push({ file, reason: `cannot read: ${(error as Error).message}` });
    }
  }
  sources.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  for (const source of sources) source.sidecar = await findSidecar(source.file);
  return { sources, missing };
}

function repeatFolderOf(name: string): string {
  return parseRepeatFolder(name) ? name : '';
}

async function walk(dir: string, folder: string, out: ImportSource[]): Promise<void> {
  const dirents = await readdir(dir, { withFileTypes: true });
  for (const dirent of dirents) {
    if (dirent.name.startsWith('.')) continue;
    const path = join(dir, dirent.name);
    // Symlinked folders are not followed: a link loop must not hang the import.
    if (dirent.isDirectory()) await walk(path, repeatFolderOf(dirent.name) || folder, out);
    else if ((dirent.isFile() || dirent.isSymbolicLink()) && !isCaptionPath(dirent.name))
      out.push({ file: path, folder, sidecar: null });
  }
}

/** The sidecar next to an image, if any. Example: `await findSidecar('/drop/cat.png')` → '/drop/cat.txt'. */
export async function findSidecar(imagePath: string): Promise<string | null> {
  for (const ext of CAPTION_EXTENSIONS) {
    const candidate = join(dirname(imagePath), stem(imagePath) + ext);
    if (await exists(candidate)) return candidate;
  }
  return null;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
