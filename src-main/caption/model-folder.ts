// Where a captioning model's files are: a folder the user already has (`--model-dir`, nothing downloaded),
// or `<cache>/caption-models/<id>/`, filled from the hub only when the caller allows the download.
// Each downloaded file's sha256 and size are recorded in `tessera-files.json` beside it.
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../formats/atomic-write';
import { defaultHub, fileUrl } from './catalogue';
import { CaptionModelError } from './errors';
import { downloadFile } from './download';
import type { CatalogueEntry, CatalogueFile, CaptionProgress } from './types';

/** The record of what was downloaded into a cache folder. */
export const MANIFEST = 'tessera-files.json';

type Manifest = Record<string, { sha256: string; size: number; verifiedBy: string }>;

export interface ModelFolderOptions {
  /** Tessera's cache folder; models go in `<cacheDir>/caption-models/<id>/`. */
  cacheDir: string;
  /** A folder that already holds the model's files: used as is, never written to. */
  modelDir?: string;
  /** Allow fetching missing files from the hub (nothing is downloaded otherwise). */
  download?: boolean;
  /** Hub base URL (default `defaultHub()`: $TESSERA_MODEL_HUB or the public hub). */
  hub?: string;
  signal?: AbortSignal;
  onProgress?: (progress: CaptionProgress) => void;
}

/** @example cachedModelDir('/home/a/.cache/tessera', 'wd-swinv2-v3') // '/home/a/.cache/tessera/caption-models/wd-swinv2-v3' */
export function cachedModelDir(cacheDir: string, id: string): string {
  return join(cacheDir, 'caption-models', id);
}

async function readManifest(folder: string): Promise<Manifest> {
  try {
    return JSON.parse(await readFile(join(folder, MANIFEST), 'utf8')) as Manifest;
  } catch {
    return {};
  }
}

async function fileSize(path: string): Promise<number | null> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : null;
  } catch {
    return null;
  }
}

/** Size the file must have: the catalogue's pin, else what was recorded on download, else any. */
function expectedSize(file: CatalogueFile, manifest: Manifest): number | undefined {
  return file.size > 0 ? file.size : manifest[file.path]?.size;
}

/**
 * The entry's files absent from `folder`, or of the wrong size.
 * @example await missingFiles(catalogueEntry('wd-swinv2-v3'), '/models/wd') // ['selected_tags.csv']
 */
export async function missingFiles(entry: CatalogueEntry, folder: string): Promise<CatalogueFile[]> {
  const manifest = await readManifest(folder);
  const missing: CatalogueFile[] = [];
  for (const file of entry.files) {
    const size = await fileSize(join(folder, file.path));
    const want = expectedSize(file, manifest);
    if (size === null || (want !== undefined && size !== want)) missing.push(file);
  }
  return missing;
}

const list = (files: readonly CatalogueFile[]): string => files.map((f) => f.path).join(', ');

/**
 * The folder holding the entry's files, downloading what is missing into the cache when allowed.
 * @example const folder = await resolveModelFolder(entry, { cacheDir, download: true, onProgress })
 */
export async function resolveModelFolder(
  entry: CatalogueEntry,
  options: ModelFolderOptions,
): Promise<string> {
  if (options.modelDir) {
    const missing = await missingFiles(entry, options.modelDir);
    if (missing.length)
      throw new CaptionModelError(
        `${options.modelDir} does not hold ${entry.id}: ${list(missing)} missing or incomplete (the folder needs ${list(entry.files)} from ${entry.repo})`,
      );
    return options.modelDir;
  }
  const folder = cachedModelDir(options.cacheDir, entry.id);
  const missing = await missingFiles(entry, folder);
  if (missing.length === 0) return folder;
  if (!options.download)
    throw new CaptionModelError(
      `${entry.name} (${entry.id}) is not downloaded: ${list(missing)} missing in ${folder}. Allow the download (tessera caption --download) or use a folder that already has ${list(entry.files)} (--model-dir)`,
    );
  await downloadInto(entry, folder, missing, options);
  return folder;
}

async function downloadInto(
  entry: CatalogueEntry,
  folder: string,
  missing: readonly CatalogueFile[],
  options: ModelFolderOptions,
): Promise<void> {
  const hub = options.hub ?? defaultHub();
  const total = missing.reduce((sum, f) => sum + f.size, 0);
  let before = 0;
  for (const file of missing) {
    const dest = join(folder, file.path);
    await mkdir(join(dest, '..'), { recursive: true });
    const result = await downloadFile({
      url: fileUrl(hub, entry, file),
      dest,
      sha256: file.sha256 || undefined,
      signal: options.signal,
      onProgress: (done, fileTotal) =>
        options.onProgress?.({
          phase: 'download',
          done: before + done,
          total: total > 0 ? total : before + fileTotal,
          item: file.path,
        }),
    });
    before += result.size;
    const manifest = await readManifest(folder);
    manifest[file.path] = { sha256: result.sha256, size: result.size, verifiedBy: result.verifiedBy };
    await writeFileAtomic(join(folder, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  }
}
