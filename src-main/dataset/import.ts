// Import of dropped files and folders into <project>/dataset/: probe, size and bomb guards, content-hash
// duplicates, a full decode check (which also writes the thumbnail), then an atomic copy or link of the
// untouched original plus its caption. One bad file never stops the batch: it goes in `skipped`.
import { constants } from 'node:fs';
import { copyFile, link, mkdir, readdir, symlink } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { readCaptionFile } from './captions';
import { mapLimit } from './concurrency';
import { hashFile } from './hash';
import { probeImage, renderThumbnail, verifyDecodes, type DecodeOptions } from './image-decode';
import { collectSources, type ImportSource } from './import-sources';
import { replaceAtomically, writeFileAtomic } from '../formats/atomic-write';
import { captionPathFor, listDataset, uniqueName } from './project-files';
import { thumbPathFor, THUMB_SIZE } from './thumbs';

/** How the original reaches dataset/: a copy (default), a hard link (same disk only; falls back to copy), or a symlink. */
export type LinkMode = 'copy' | 'hardlink' | 'symlink';

export interface ImportOptions extends DecodeOptions {
  datasetDir: string;
  mode?: LinkMode;
  /** Smallest accepted shorter side, in pixels (after EXIF rotation); smaller images are skipped. */
  minSide?: number;
  /** Files processed at once (2–4 keeps sharp busy without holding many decoded images). */
  concurrency?: number;
  /** When set, the decode check writes `<thumbsDir>/<hash>.webp`, so no second decode is needed. */
  thumbsDir?: string;
  /** Hashes already in the dataset (hash → rel path); when absent the dataset is scanned and hashed. */
  knownHashes?: Map<string, string>;
  onProgress?: (done: number, total: number, file: string) => void;
}

export interface ImportedImage {
  source: string;
  path: string;
  /** Path inside dataset/, '/'-separated. */
  rel: string;
  hash: string;
  format: string;
  width: number;
  height: number;
  captionImported: boolean;
  placed: LinkMode;
}

export interface ImportReport {
  imported: ImportedImage[];
  skipped: { file: string; reason: string }[];
}

export const IMPORT_DEFAULTS = { mode: 'copy', minSide: 256, concurrency: 3 } as const;

type Outcome<T> = { ok: true; value: T } | { ok: false; reason: string };

interface BatchState {
  options: ImportOptions;
  /** hash → where it already is in dataset/ (rel path), including files claimed earlier in this batch. */
  hashes: Map<string, string>;
  /** Lower-cased paths already used in dataset/, including caption names. */
  taken: Set<string>;
}

/** A file that passed the header checks and was hashed, with the dataset name reserved for it. */
interface Candidate {
  source: ImportSource;
  hash: string;
  format: string;
  width: number;
  height: number;
  dest: string;
}

/**
 * Imports `inputs` (files and folders, recursive) into `options.datasetDir`. Headers are read and files
 * hashed first; duplicates and names are then settled in path order, so the same drop gives the same
 * names every time; last, each survivor is fully decoded and placed.
 * Example: `const report = await importImages(['/drop/10_cat'], {datasetDir: '/p/dataset', minSide: 512})`.
 */
export async function importImages(inputs: readonly string[], options: ImportOptions): Promise<ImportReport> {
  await mkdir(options.datasetDir, { recursive: true });
  if (options.thumbsDir) await mkdir(options.thumbsDir, { recursive: true });
  const { sources, missing } = await collectSources(inputs);
  const state: BatchState = { options, ...(await existingState(options)) };
  const concurrency = options.concurrency ?? IMPORT_DEFAULTS.concurrency;
  let done = 0;
  const tick = (file: string): void => options.onProgress?.(++done, sources.length, file);
  const report: ImportReport = { imported: [], skipped: [...missing] };
  const inspected = await mapLimit(sources, concurrency, (source) => safely(() => inspect(source, options)));
  const candidates: Candidate[] = [];
  inspected.forEach((outcome, i) => {
    const settled = outcome.ok ? claim(sources[i], outcome.value, state) : outcome;
    if (settled.ok) candidates.push(settled.value);
    else {
      report.skipped.push({ file: sources[i].file, reason: settled.reason });
      tick(sources[i].file);
    }
  });
  const finished = await mapLimit(candidates, concurrency, async (candidate) => {
    const outcome = await safely(() => finish(candidate, state));
    tick(candidate.source.file);
    return outcome;
  });
  finished.forEach((outcome, i) => {
    if (outcome.ok) report.imported.push(outcome.value);
    else report.skipped.push({ file: candidates[i].source.file, reason: outcome.reason });
  });
  return report;
}

async function existingState(options: ImportOptions): Promise<Omit<BatchState, 'options'>> {
  const entries = await listDataset(options.datasetDir);
  const taken = new Set<string>();
  for (const entry of entries) {
    taken.add(entry.path.toLowerCase());
    taken.add(entry.captionPath.toLowerCase());
  }
  for (const name of await readdir(options.datasetDir))
    taken.add(join(options.datasetDir, name).toLowerCase());
  if (options.knownHashes) return { hashes: new Map(options.knownHashes), taken };
  const hashes = new Map<string, string>();
  const concurrency = options.concurrency ?? IMPORT_DEFAULTS.concurrency;
  await mapLimit(entries, concurrency, async (entry) => hashes.set(await hashFile(entry.path), entry.rel));
  return { hashes, taken };
}

/** Runs one file's step; any throw becomes that file's skip reason, so the batch goes on. */
async function safely<T>(step: () => Promise<Outcome<T>>): Promise<Outcome<T>> {
  try {
    return await step();
  } catch (error) {
    return { ok: false, reason: `import failed: ${(error as Error).message}` };
  }
}

type Inspected = Omit<Candidate, 'dest' | 'source'>;

async function inspect(source: ImportSource, options: ImportOptions): Promise<Outcome<Inspected>> {
  const probe = await probeImage(source.file, options);
  if (!probe.ok) return probe;
  const { width, height, format } = probe.info;
  const minSide = options.minSide ?? IMPORT_DEFAULTS.minSide;
  if (Math.min(width, height) < minSide) {
    return {
      ok: false,
      reason: `too small: ${width}×${height}, the shorter side must be at least ${minSide}px`,
    };
  }
  return { ok: true, value: { hash: await hashFile(source.file), format, width, height } };
}

/** Settles duplicates and reserves a collision-free name; called in path order. */
function claim(source: ImportSource, inspected: Inspected, state: BatchState): Outcome<Candidate> {
  const existing = state.hashes.get(inspected.hash);
  if (existing !== undefined) return { ok: false, reason: `duplicate of ${existing}` };
  const dir = join(state.options.datasetDir, source.folder);
  const dest = join(dir, uniqueName(dir, basename(source.file), state.taken));
  state.hashes.set(inspected.hash, relativeRel(state.options.datasetDir, dest));
  state.taken.add(dest.toLowerCase());
  state.taken.add(captionPathFor(dest).toLowerCase());
  return { ok: true, value: { source, dest, ...inspected } };
}

function relativeRel(root: string, path: string): string {
  return relative(root, path).split(sep).join('/');
}

async function finish(candidate: Candidate, state: BatchState): Promise<Outcome<ImportedImage>> {
  const { source, hash, dest } = candidate;
  const decodeError = await decodeWithRetry(source.file, hash, state.options);
  if (decodeError) return { ok: false, reason: `cannot decode: ${decodeError}` };
  await mkdir(dirname(dest), { recursive: true });
  const placed = await placeFile(source.file, dest, state.options.mode ?? IMPORT_DEFAULTS.mode);
  const caption = source.sidecar ? await readCaptionFile(source.sidecar) : null;
  if (caption !== null) await writeFileAtomic(captionPathFor(dest), caption);
  const { format, width, height } = candidate;
  const rel = relativeRel(state.options.datasetDir, dest);
  return {
    ok: true,
    value: {
      source: source.file,
      path: dest,
      rel,
      hash,
      format,
      width,
      height,
      captionImported: caption !== null,
      placed,
    },
  };
}

/**
 * The decode check, tried twice before giving up. libvips keeps one error buffer for all threads, so
 * under concurrency a failure can arrive as a bare "Unknown error"; the second, lone try names the cause.
 */
async function decodeWithRetry(file: string, hash: string, options: ImportOptions): Promise<string | null> {
  const messages: string[] = [];
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await decodeCheck(file, hash, options);
      return null;
    } catch (error) {
      messages.push((error as Error).message);
    }
  }
  return messages.find((m) => m !== 'Unknown error') ?? messages[0];
}

/** Decodes every pixel once (truncated data fails here); the product is the thumbnail when we have a cache. */
async function decodeCheck(file: string, hash: string, options: ImportOptions): Promise<void> {
  if (options.thumbsDir)
    await renderThumbnail(file, thumbPathFor(options.thumbsDir, hash), THUMB_SIZE, options);
  else await verifyDecodes(file, options);
}

/** Copies or links `src` to `dest` through a temp name, so `dest` never exists half-written. */
async function placeFile(src: string, dest: string, mode: LinkMode): Promise<LinkMode> {
  return replaceAtomically(dest, async (temp) => {
    if (mode === 'symlink') await symlink(src, temp);
    else if (mode === 'hardlink') return hardlinkOrCopy(src, temp);
    else await copyFile(src, temp, constants.COPYFILE_FICLONE);
    return mode;
  });
}

async function hardlinkOrCopy(src: string, temp: string): Promise<LinkMode> {
  try {
    await link(src, temp);
    return 'hardlink';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Hard links cannot cross file systems (EXDEV) or exist on some (EPERM on FAT/exFAT).
    if (code !== 'EXDEV' && code !== 'EPERM') throw error;
    await copyFile(src, temp, constants.COPYFILE_FICLONE);
    return 'copy';
  }
}
