// The image guard's second half: PNGs a run wrote (previews, compare sheets, "try a prompt" images) are served
// as they are, but only from inside an open project's runs/ folder, after symlinks are resolved; dataset
// thumbnails follow the same symlink rule (realFileInside).
import { realpath } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { ProjectInfo } from '../api/projects';
import { ApiError } from '../api/errors';

/** Every project keeps its training runs here: `<project>/runs`. */
export const RUNS_FOLDER = 'runs';

/** @example runsDirOf({ dir: '/art/ink', … }) // '/art/ink/runs' */
export function runsDirOf(project: Pick<ProjectInfo, 'dir'>): string {
  return join(project.dir, RUNS_FOLDER);
}

/** The open project whose runs/ folder holds `path` (lexically), or undefined. */
export function projectOfRunPath(projects: readonly ProjectInfo[], path: string): ProjectInfo | undefined {
  const abs = resolve(path);
  return projects.find((p) => abs.startsWith(runsDirOf(p) + sep));
}

async function realOrNull(path: string): Promise<string | null> {
  try {
    return await realpath(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw err;
  }
}

/**
 * The real file behind a run image URL, or null when `path` is not under an open project's runs/ folder
 * (the caller then tries the dataset thumbnail guard). Throws when it is there but not a servable PNG.
 * @example await runImageFile(openProjects, '/art/ink/runs/ink-1/samples/step000002-0.png')
 */
export async function runImageFile(projects: readonly ProjectInfo[], path: string): Promise<string | null> {
  const project = projectOfRunPath(projects, path);
  if (!project) return null;
  if (extname(path).toLowerCase() !== '.png')
    throw new ApiError('FORBIDDEN', 'Only PNG images are served from a run folder.');
  return realFileInside(path, runsDirOf(project));
}

/**
 * The real file behind `path` once every symlink is resolved, which must still lie inside `root` (resolved the
 * same way): the one rule both image routes (run images, dataset thumbnails) follow.
 * @example await realFileInside('/art/ink/dataset/cat.png', '/art/ink/dataset') // '/art/ink/dataset/cat.png'
 */
export async function realFileInside(path: string, root: string): Promise<string> {
  const [file, realRoot] = await Promise.all([realOrNull(resolve(path)), realOrNull(root)]);
  if (!file || !realRoot) throw new ApiError('NOT_FOUND', `There is no image at ${path}.`);
  // A link inside the folder must not lead out of it.
  if (!file.startsWith(realRoot + sep))
    throw new ApiError('FORBIDDEN', 'Images are served only from inside an open project.');
  return file;
}
