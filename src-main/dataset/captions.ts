// Caption sidecars on disk (kohya: `<image stem>.txt`, UTF-8): read (BOM tolerated), atomic write,
// and bulk tag edits over a selection that return an undo record holding the previous texts.
import { readFile, rm } from 'node:fs/promises';
import { mapLimit } from './concurrency';
import { writeFileAtomic } from '../formats/atomic-write';
import { captionPathFor } from './project-files';
import { regexReplaceAll } from './regex-replace';
import { applyTagOp, type TagOp } from './tags';

const IO_CONCURRENCY = 8;

/** Reads a caption file; missing → null, a leading UTF-8 BOM is dropped. Example: `await readCaptionFile('/p/dataset/cat.txt')`. */
export async function readCaptionFile(path: string): Promise<string | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** The caption of an image ('' when it has none). Example: `await readCaption('/p/dataset/cat.png')`. */
export async function readCaption(imagePath: string): Promise<string> {
  return (await readCaptionFile(captionPathFor(imagePath))) ?? '';
}

/** Writes an image's caption atomically, UTF-8 without BOM. Example: `await writeCaption('/p/dataset/cat.png', 'a cat')`. */
export async function writeCaption(imagePath: string, caption: string): Promise<void> {
  await writeFileAtomic(captionPathFor(imagePath), caption);
}

/** What a bulk edit overwrote: each caption file and its text before (null: it did not exist). */
export interface CaptionUndo {
  entries: { path: string; previous: string | null }[];
}

export interface CaptionEditResult {
  /** Image paths whose caption changed. */
  changed: string[];
  undo: CaptionUndo;
}

/**
 * Applies `op` to the captions of `imagePaths`; only changed captions are written, and only they go in the undo record.
 * Example: `const {undo} = await editCaptions(paths, {kind: 'add', tag: 'watercolor'}); await undoCaptions(undo)`.
 */
export async function editCaptions(imagePaths: readonly string[], op: TagOp): Promise<CaptionEditResult> {
  // Fail on a bad regex before any file is touched.
  applyTagOp('', op);
  const paths = imagePaths.map(captionPathFor);
  const previous = await mapLimit(paths, IO_CONCURRENCY, readCaptionFile);
  const texts = previous.map((p) => p ?? '');
  // A regex runs in a worker with a time limit, so a runaway pattern cannot freeze this thread.
  const next =
    op.kind === 'findReplace' && op.regex === true && op.find !== ''
      ? await regexReplaceAll(texts, op.find, op.replace, op.flags)
      : texts.map((text) => applyTagOp(text, op));
  return writeChanged(imagePaths, paths, previous, next);
}

/**
 * Writes new captions for images (generated ones, say); only changed captions are written, and only they go
 * in the undo record. Example: `const {undo} = await writeCaptions([{imagePath: '/p/dataset/cat.png', caption: 'a cat'}])`.
 */
export async function writeCaptions(
  captions: readonly { imagePath: string; caption: string }[],
): Promise<CaptionEditResult> {
  const imagePaths = captions.map((c) => c.imagePath);
  const paths = imagePaths.map(captionPathFor);
  const previous = await mapLimit(paths, IO_CONCURRENCY, readCaptionFile);
  return writeChanged(
    imagePaths,
    paths,
    previous,
    captions.map((c) => c.caption),
  );
}

async function writeChanged(
  imagePaths: readonly string[],
  paths: readonly string[],
  previous: readonly (string | null)[],
  next: readonly string[],
): Promise<CaptionEditResult> {
  const results = await mapLimit([...paths.keys()], IO_CONCURRENCY, async (i) => {
    if (next[i] === (previous[i] ?? '')) return null;
    await writeFileAtomic(paths[i], next[i]);
    return { imagePath: imagePaths[i], entry: { path: paths[i], previous: previous[i] } };
  });
  const done = results.filter((r) => r !== null);
  return { changed: done.map((r) => r.imagePath), undo: { entries: done.map((r) => r.entry) } };
}

/** Restores every caption in an undo record (removing files the edit created). Example: `await undoCaptions(result.undo)`. */
export async function undoCaptions(undo: CaptionUndo): Promise<void> {
  await mapLimit(undo.entries, IO_CONCURRENCY, async ({ path, previous }) => {
    if (previous === null) await rm(path, { force: true });
    else await writeFileAtomic(path, previous);
  });
}
