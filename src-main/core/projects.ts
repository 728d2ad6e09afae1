// Project folders on disk: `project.json` (versioned; name, base model, settings) beside `dataset/` and
// `cache/` (docs/architecture.md#4-files-on-disk-a-project-is-a-plain-folder-a-user-can-read). Reads fill in
// defaults so older files keep opening.
import { mkdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type { ProjectInfo, ProjectPatch, ProjectSettings, ProjectTraining } from '../api/contract';
import { ApiError } from '../api/errors';
import { writeFileAtomic } from '../formats/atomic-write';

export const PROJECT_FILE = 'project.json';
export const PROJECT_VERSION = 1;

/** Folder names inside a project: one owner for each. */
export const PROJECT_DIRS = {
  dataset: 'dataset',
  thumbs: join('cache', 'thumbs'),
  uploads: join('cache', 'uploads'),
} as const;

export const DEFAULT_PROJECT_SETTINGS: ProjectSettings = { resolution: 512, minSide: 256, noUpscale: false };

interface ProjectFile {
  version: number;
  name: string;
  baseModelPath: string | null;
  settings: ProjectSettings;
  training: ProjectTraining | null;
}

function absoluteDir(dir: string): string {
  if (!isAbsolute(dir))
    throw new ApiError('INVALID_ARGUMENT', `Give a full path (starting at a drive or /), not "${dir}".`);
  return resolve(dir);
}

function toInfo(dir: string, file: ProjectFile): ProjectInfo {
  const { name, baseModelPath, settings, training } = file;
  return { dir, name, baseModelPath, settings, training, datasetDir: join(dir, PROJECT_DIRS.dataset) };
}

async function save(dir: string, file: ProjectFile): Promise<void> {
  await writeFileAtomic(join(dir, PROJECT_FILE), JSON.stringify(file, null, 2) + '\n');
}

/**
 * Creates the project files in `dir` (made if missing) and returns the project.
 * @example const p = await createProjectFiles('/art/MyStyle', 'My style'); p.datasetDir // '/art/MyStyle/dataset'
 */
export async function createProjectFiles(dir: string, name: string): Promise<ProjectInfo> {
  const root = absoluteDir(dir);
  const exists = await stat(join(root, PROJECT_FILE)).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return false;
      throw err;
    },
  );
  if (exists)
    throw new ApiError(
      'INVALID_ARGUMENT',
      `${root} already holds a project: open it instead of creating one.`,
    );
  await mkdir(join(root, PROJECT_DIRS.dataset), { recursive: true });
  const file: ProjectFile = {
    version: PROJECT_VERSION,
    name: name.trim(),
    baseModelPath: null,
    settings: { ...DEFAULT_PROJECT_SETTINGS },
    training: null,
  };
  await save(root, file);
  return toInfo(root, file);
}

/** Saved training settings as read back; a hand-edited file with the wrong shape means none, not a crash. */
function trainingOf(value: unknown): ProjectTraining | null {
  if (typeof value !== 'object' || value === null) return null;
  const t = value as Record<string, unknown>;
  const config =
    typeof t.config === 'object' && t.config !== null ? (t.config as ProjectTraining['config']) : {};
  return {
    presetId: typeof t.presetId === 'string' ? t.presetId : null,
    config,
    name: typeof t.name === 'string' ? t.name : '',
    prompts: typeof t.prompts === 'string' ? t.prompts : '',
  };
}

/**
 * Reads `dir/project.json`; unknown or missing fields fall back to defaults.
 * @example const p = await readProjectFiles('/art/MyStyle'); p.settings.resolution // 512
 */
export async function readProjectFiles(dir: string): Promise<ProjectInfo> {
  const root = absoluteDir(dir);
  let raw: string;
  try {
    raw = await readFile(join(root, PROJECT_FILE), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new ApiError('NOT_FOUND', `${root} is not a Tessera project (it has no ${PROJECT_FILE}).`, {
        cause: err,
      });
    throw err;
  }
  let parsed: Partial<ProjectFile>;
  try {
    parsed = JSON.parse(raw) as Partial<ProjectFile>;
  } catch (err) {
    throw new ApiError('MALFORMED_FILE', `${join(root, PROJECT_FILE)} is not valid JSON.`, { cause: err });
  }
  await mkdir(join(root, PROJECT_DIRS.dataset), { recursive: true });
  return toInfo(root, {
    version: PROJECT_VERSION,
    name:
      typeof parsed.name === 'string' && parsed.name.trim() ? parsed.name : root.split(/[\\/]/).pop() || root,
    baseModelPath: typeof parsed.baseModelPath === 'string' ? parsed.baseModelPath : null,
    settings: { ...DEFAULT_PROJECT_SETTINGS, ...(parsed.settings ?? {}) },
    training: trainingOf(parsed.training),
  });
}

/**
 * Applies a patch to project.json and returns the result.
 * @example await updateProjectFiles('/art/MyStyle', { baseModelPath: '/models/sd15.safetensors' })
 */
export async function updateProjectFiles(dir: string, patch: ProjectPatch): Promise<ProjectInfo> {
  const current = await readProjectFiles(dir);
  const file: ProjectFile = {
    version: PROJECT_VERSION,
    name: patch.name?.trim() || current.name,
    baseModelPath: patch.baseModelPath === undefined ? current.baseModelPath : patch.baseModelPath,
    settings: { ...current.settings, ...(patch.settings ?? {}) },
    training: patch.training === undefined ? current.training : patch.training,
  };
  await save(current.dir, file);
  return toInfo(current.dir, file);
}
