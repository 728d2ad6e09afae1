// The dataset side of open projects: listings with size/bucket/crop, import with progress, captions, bulk tag
// edits and generated captions (a captioning run) with one undo stack, folder watching, and the path-guarded
// thumbnail lookup both front doors use.
import { stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { CaptionScope } from '../api/captioning';
import type {
  DatasetChanged,
  DatasetImage,
  ImportProgress,
  ImportSummary,
  ProjectInfo,
  TagCount,
  TagEdit,
  TagEditResult,
  UndoResult,
} from '../api/contract';
import { ApiError } from '../api/errors';
import { createBucketer, planCrop, type Bucketer } from '../dataset/buckets';
import {
  editCaptions,
  readCaption,
  undoCaptions,
  writeCaption,
  writeCaptions,
  type CaptionEditResult,
  type CaptionUndo,
} from '../dataset/captions';
import { mapLimit } from '../dataset/concurrency';
import { hashFile } from '../dataset/hash';
import { probeImage } from '../dataset/image-decode';
import { importImages } from '../dataset/import';
import { isImagePath, listDataset, type DatasetEntry } from '../dataset/project-files';
import { parseTags, tagFrequency, type TagOp } from '../dataset/tags';
import { Thumbnailer } from '../dataset/thumbs';
import { watchDataset, type DatasetWatcher } from '../dataset/watch';
import { PROJECT_DIRS } from './projects';
import { realFileInside } from './run-images';
import { clearStaged, expireStaged, stagedName, stageUpload } from './uploads';

/** Bulk edits kept for undo per project; older ones fall off. */
export const UNDO_LIMIT = 50;

/** Header reads, hashes and caption reads in flight while listing. */
const LIST_CONCURRENCY = 8;

interface ImageFacts {
  mtimeMs: number;
  size: number;
  width: number;
  height: number;
  hash: string;
  problem: string | null;
}

interface OpenDataset {
  info: ProjectInfo;
  thumbnailer: Thumbnailer;
  watcher: DatasetWatcher | null;
  /** Bulk edits, oldest first, with the images each one changed. */
  undo: { record: CaptionUndo; rels: string[] }[];
  /** Absolute image path → what its header and content said at that mtime and size. */
  facts: Map<string, ImageFacts>;
}

export interface DatasetEvents {
  importProgress(progress: ImportProgress): void;
  changed(changes: DatasetChanged): void;
  warning(message: string): void;
}

// Compile-time proof that the API's TagEdit is exactly what dataset/tags.ts applies.
const sameTagOps = (edit: TagEdit): TagOp => edit;

export class DatasetService {
  readonly #open = new Map<string, OpenDataset>();
  readonly #events: DatasetEvents;

  constructor(events: DatasetEvents) {
    this.#events = events;
  }

  /** Starts serving a project (again): watcher and thumbnailer; a reopen only refreshes its info. */
  async open(info: ProjectInfo, watch = true): Promise<void> {
    const existing = this.#open.get(info.dir);
    if (existing) {
      existing.info = info;
      return;
    }
    await expireStaged(info.dir); // uploads staged by an earlier launch that never got imported
    const thumbnailer = new Thumbnailer({ thumbsDir: join(info.dir, PROJECT_DIRS.thumbs) });
    const entry: OpenDataset = { info, thumbnailer, watcher: null, undo: [], facts: new Map() };
    this.#open.set(info.dir, entry);
    if (watch) {
      entry.watcher = await watchDataset(
        info.datasetDir,
        (changes) => this.#events.changed({ project: info.dir, ...changes }),
        { onError: (err) => this.#events.warning(`Watching ${info.datasetDir} failed: ${err.message}`) },
      );
    }
  }

  /** The projects open right now (for the run-image guard). */
  openProjects(): ProjectInfo[] {
    return [...this.#open.values()].map((e) => e.info);
  }

  /** Stops every watcher (app quit, server close, tests). */
  close(): void {
    for (const entry of this.#open.values()) entry.watcher?.close();
    this.#open.clear();
  }

  /** @example const images = await datasets.list('/art/MyStyle') */
  async list(project: string): Promise<DatasetImage[]> {
    const entry = this.#get(project);
    const { settings } = entry.info;
    const bucketer = createBucketer({ resolution: settings.resolution, noUpscale: settings.noUpscale });
    const files = await listDataset(entry.info.datasetDir);
    return mapLimit(files, LIST_CONCURRENCY, (file) => this.#describe(entry, file, bucketer));
  }

  /** @example const { imported, skipped } = await datasets.import('/art/MyStyle', ['/in/refs']) */
  async import(project: string, paths: readonly string[]): Promise<ImportSummary> {
    const entry = this.#get(project);
    const report = await importImages(paths, {
      datasetDir: entry.info.datasetDir,
      thumbsDir: join(entry.info.dir, PROJECT_DIRS.thumbs),
      minSide: entry.info.settings.minSide,
      onProgress: (done, total, file) => this.#events.importProgress({ project, done, total, file }),
    }).finally(() => clearStaged(entry.info.dir, paths));
    for (const image of report.imported) {
      const info = await stat(image.path);
      const { width, height, hash } = image;
      entry.facts.set(image.path, {
        mtimeMs: info.mtimeMs,
        size: info.size,
        width,
        height,
        hash,
        problem: null,
      });
    }
    const skipped = report.skipped.map((s) => ({ ...s, file: stagedName(entry.info.dir, s.file) }));
    return { imported: report.imported.map((image) => image.rel), skipped };
  }

  /** Stages one uploaded file (web mode drops) inside an open project; import the returned path. */
  async stageUpload(
    project: string,
    batch: string,
    name: string,
    body: AsyncIterable<Uint8Array>,
  ): Promise<string> {
    return stageUpload(this.#get(project).info.dir, batch, name, body);
  }

  /** @example await datasets.writeCaption('/art/MyStyle', 'cat.png', 'a cat') */
  async writeCaption(project: string, rel: string, caption: string): Promise<void> {
    await writeCaption(this.#imagePath(this.#get(project), rel), caption);
  }

  /** @example await datasets.editTags('/art/MyStyle', ['cat.png'], { kind: 'add', tag: 'ink' }) */
  async editTags(project: string, rels: readonly string[], edit: TagEdit): Promise<TagEditResult> {
    const entry = this.#get(project);
    const paths = rels.map((rel) => this.#imagePath(entry, rel));
    let result: CaptionEditResult;
    try {
      result = await editCaptions(paths, sameTagOps(edit));
    } catch (err) {
      if (err instanceof SyntaxError)
        throw new ApiError(
          'INVALID_ARGUMENT',
          `That pattern is not a valid regular expression: ${err.message}`,
        );
      throw err;
    }
    const changed = result.changed.map((path) => this.#relOf(entry, path));
    if (changed.length > 0)
      entry.undo = [...entry.undo, { record: result.undo, rels: changed }].slice(-UNDO_LIMIT);
    return { changed, undoDepth: entry.undo.length };
  }

  /**
   * The usable images a captioning scope names, in listing order, with their current captions. `selected`
   * paths are checked like every other rel; unreadable images are left out (the captioner could not read them).
   * @example const images = await datasets.scopeImages('/art/MyStyle', { kind: 'uncaptioned' })
   */
  async scopeImages(
    project: string,
    scope: CaptionScope,
  ): Promise<{ rel: string; path: string; caption: string }[]> {
    const entry = this.#get(project);
    const wanted =
      scope.kind === 'selected'
        ? new Set(scope.rels.map((rel) => this.#relOf(entry, this.#imagePath(entry, rel))))
        : null;
    const images = (await this.list(project)).filter((image) => image.problem === null);
    return images
      .filter((image) =>
        wanted ? wanted.has(image.rel) : scope.kind === 'all' || image.caption.trim() === '',
      )
      .map(({ rel, path, caption }) => ({ rel, path, caption }));
  }

  /**
   * Writes generated captions (only changed ones) and returns what they overwrote; nothing is on the undo
   * stack until `pushUndo`, so a run written in batches undoes as one step.
   * @example const { changed, undo } = await datasets.writeCaptions(project, [{ rel: 'cat.png', caption: 'cat' }])
   */
  async writeCaptions(
    project: string,
    captions: readonly { rel: string; caption: string }[],
  ): Promise<{ changed: string[]; undo: CaptionUndo }> {
    const entry = this.#get(project);
    const result = await writeCaptions(
      captions.map(({ rel, caption }) => ({ imagePath: this.#imagePath(entry, rel), caption })),
    );
    return { changed: result.changed.map((path) => this.#relOf(entry, path)), undo: result.undo };
  }

  /** Puts one step on the undo stack (the undo records of one run, oldest first); returns the new depth. */
  pushUndo(project: string, records: readonly CaptionUndo[], rels: readonly string[]): number {
    const entry = this.#get(project);
    const record = { entries: records.flatMap((r) => r.entries) };
    if (record.entries.length > 0)
      entry.undo = [...entry.undo, { record, rels: [...rels] }].slice(-UNDO_LIMIT);
    return entry.undo.length;
  }

  /** @example const { restored } = await datasets.undo('/art/MyStyle') */
  async undo(project: string): Promise<UndoResult> {
    const entry = this.#get(project);
    const last = entry.undo.pop();
    if (!last) throw new ApiError('NOT_FOUND', 'There is no tag edit left to undo.');
    await undoCaptions(last.record);
    return { restored: last.rels, undoDepth: entry.undo.length };
  }

  undoDepth(project: string): number {
    return this.#get(project).undo.length;
  }

  /** @example const [top] = await datasets.tagFrequency('/art/MyStyle') */
  async tagFrequency(project: string): Promise<TagCount[]> {
    const files = await listDataset(this.#get(project).info.datasetDir);
    return tagFrequency(await mapLimit(files, LIST_CONCURRENCY, (file) => readCaption(file.path)));
  }

  /**
   * The WebP thumbnail for an image inside an open project's dataset, made now if needed. Anything else
   * (outside every open dataset, `..` tricks, not an image, missing) is refused with FORBIDDEN / NOT_FOUND.
   * @example const file = await datasets.thumbnailFile('/art/MyStyle/dataset/cat.png')
   */
  async thumbnailFile(imagePath: string): Promise<string> {
    const path = resolve(imagePath);
    const entry = [...this.#open.values()].find((e) => path.startsWith(e.info.datasetDir + sep));
    if (!entry || !isImagePath(path))
      throw new ApiError('FORBIDDEN', 'Thumbnails are served only for images inside an open project.');
    await realFileInside(path, entry.info.datasetDir); // a symlink must not lead out of the dataset
    const facts = await this.#facts(entry, path);
    if (facts.problem) throw new ApiError('UNSUPPORTED_FORMAT', `${path}: ${facts.problem}`);
    return entry.thumbnailer.ready(path, facts.hash);
  }

  #get(project: string): OpenDataset {
    const entry = this.#open.get(resolve(project));
    if (!entry) throw new ApiError('NOT_FOUND', `The project ${project} is not open: open it first.`);
    return entry;
  }

  /** A dataset-relative path turned absolute, refusing anything that would leave the dataset folder. */
  #imagePath(entry: OpenDataset, rel: string): string {
    const path = resolve(entry.info.datasetDir, rel);
    if (!path.startsWith(entry.info.datasetDir + sep) || !isImagePath(path))
      throw new ApiError('INVALID_ARGUMENT', `"${rel}" is not an image of this dataset.`);
    return path;
  }

  #relOf(entry: OpenDataset, path: string): string {
    return relative(entry.info.datasetDir, path).split(sep).join('/');
  }

  async #describe(entry: OpenDataset, file: DatasetEntry, bucketer: Bucketer): Promise<DatasetImage> {
    const [facts, caption] = await Promise.all([this.#facts(entry, file.path), readCaption(file.path)]);
    const usable = facts.problem === null && facts.width > 0;
    const plan = usable ? planCrop(bucketer, facts.width, facts.height, { mode: 'center' }) : null;
    return {
      rel: file.rel,
      path: file.path,
      caption,
      tags: parseTags(caption),
      width: facts.width,
      height: facts.height,
      repeats: file.repeats,
      hash: facts.hash,
      bucket: plan ? { ...plan.bucket } : null,
      crop: plan ? { ...plan.sourceCrop } : null,
      problem: facts.problem,
    };
  }

  async #facts(entry: OpenDataset, path: string): Promise<ImageFacts> {
    const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw new ApiError('NOT_FOUND', `${path} is gone.`, { cause: err });
      throw err;
    });
    const known = entry.facts.get(path);
    if (known && known.mtimeMs === info.mtimeMs && known.size === info.size) return known;
    const probe = await probeImage(path);
    const facts: ImageFacts = {
      mtimeMs: info.mtimeMs,
      size: info.size,
      width: probe.ok ? probe.info.width : 0,
      height: probe.ok ? probe.info.height : 0,
      hash: probe.ok ? await hashFile(path) : '',
      problem: probe.ok ? null : probe.reason,
    };
    entry.facts.set(path, facts);
    return facts;
  }
}
