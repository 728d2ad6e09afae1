// "Caption images" for the app: the catalogue with what is on disk, downloads only when asked (cancellable,
// resumed by the next try), a preview that writes nothing, and runs in a one-off trainer worker whose batches
// are written here as they arrive and undone together by one `undoTagEdit`.
import type {
  CaptionDownloadProgress,
  CaptionModelInfo,
  CaptionOptions,
  CaptionPreviewItem,
  CaptionRunProgress,
  CaptionRunResult,
  CaptionScope,
} from '../api/captioning';
import { ApiError } from '../api/errors';
// Never '../caption/index': it opens captioners, which would load ONNX Runtime into this process.
import { combineCaption } from '../caption/apply';
import { CATALOGUE, catalogueEntry } from '../caption/catalogue';
import { cachedModelDir, missingFiles, resolveModelFolder } from '../caption/model-folder';
import type { CatalogueEntry } from '../caption/types';
import type { CaptionUndo } from '../dataset/captions';
import type { CaptionJobSpec } from '../api/worker-messages';
import { captionInWorker, etaOf, type CaptionWorkerRun } from './caption-worker';
import type { DatasetService } from './dataset-service';
import type { WorkerLauncher } from '../jobs/worker-host';

/** Images per captioner call: large enough to keep a GPU busy, small enough for steady progress. */
export const CAPTION_BATCH = 8;

/** Images a preview captions when the caller does not say. */
export const PREVIEW_IMAGES = 4;

export interface CaptioningDeps {
  launch: WorkerLauncher;
  datasets: DatasetService;
  cacheDir: string;
  /** The model hub's base URL (tests point it at a local server); default: the catalogue's. */
  hub?: string;
  threads: () => Promise<{ threads?: number }>;
  /** Why the device is taken (a training job's name), or null when captioning may start. */
  deviceBusy: () => string | null;
  progress: (progress: CaptionRunProgress) => void;
  download: (progress: CaptionDownloadProgress) => void;
}

interface Prepared {
  entry: CatalogueEntry;
  folder: string;
  images: { rel: string; path: string; caption: string }[];
}

export class CaptioningService {
  readonly #deps: CaptioningDeps;
  /** Per project: its worker run, or null while the run is being prepared (a cancel then is remembered). */
  readonly #runs = new Map<string, CaptionWorkerRun | null>();
  readonly #cancelled = new Set<string>();
  readonly #downloads = new Map<string, AbortController>();

  constructor(deps: CaptioningDeps) {
    this.#deps = deps;
  }

  /** True while a preview or run holds the worker (training waits for it). */
  get active(): boolean {
    return this.#runs.size > 0;
  }

  /** @example const models = await captioning.models() */
  async models(): Promise<CaptionModelInfo[]> {
    return Promise.all(CATALOGUE.map((entry) => this.#info(entry)));
  }

  /** @example await captioning.download('wd-swinv2-v3') */
  async download(id: string): Promise<CaptionModelInfo> {
    const entry = catalogueEntry(id);
    if (this.#downloads.has(id))
      throw new ApiError('INVALID_ARGUMENT', `${entry.name} is already downloading.`);
    const abort = new AbortController();
    this.#downloads.set(id, abort);
    const report = (p: Omit<CaptionDownloadProgress, 'modelId'>) =>
      this.#deps.download({ modelId: id, ...p });
    try {
      await resolveModelFolder(entry, {
        cacheDir: this.#deps.cacheDir,
        download: true,
        signal: abort.signal,
        ...(this.#deps.hub ? { hub: this.#deps.hub } : {}),
        onProgress: ({ done, total, item }) =>
          report({ done, total, status: 'downloading', ...(item ? { item } : {}) }),
      });
    } catch (err) {
      const cancelled = abort.signal.aborted;
      const message = err instanceof Error ? err.message : String(err);
      report({
        done: 0,
        total: 0,
        status: cancelled ? 'cancelled' : 'failed',
        ...(cancelled ? {} : { error: message }),
      });
      if (cancelled)
        throw new ApiError(
          'INVALID_ARGUMENT',
          `The download of ${entry.name} was cancelled; downloading again resumes it.`,
        );
      throw err;
    } finally {
      this.#downloads.delete(id);
    }
    const info = await this.#info(entry);
    report({ done: info.bytes, total: info.bytes, status: 'done' });
    return info;
  }

  cancelDownload(id: string): void {
    this.#downloads.get(id)?.abort();
  }

  /** @example const items = await captioning.preview(project, { kind: 'all' }, { modelId: 'wd-swinv2-v3', mode: 'replace' }) */
  async preview(
    project: string,
    scope: CaptionScope,
    options: CaptionOptions,
    count = PREVIEW_IMAGES,
  ): Promise<CaptionPreviewItem[]> {
    return this.#exclusive(project, () => this.#preview(project, scope, options, count));
  }

  /** @example const { changed } = await captioning.run(project, { kind: 'uncaptioned' }, { modelId: 'wd-swinv2-v3', mode: 'fill-empty' }) */
  async run(project: string, scope: CaptionScope, options: CaptionOptions): Promise<CaptionRunResult> {
    return this.#exclusive(project, () => this.#run(project, scope, options));
  }

  async #preview(
    project: string,
    scope: CaptionScope,
    options: CaptionOptions,
    count: number,
  ): Promise<CaptionPreviewItem[]> {
    const prepared = await this.#prepare(project, scope, options);
    const images = prepared.images.slice(0, count);
    if (images.length === 0) return [];
    const items: CaptionPreviewItem[] = [];
    await this.#inWorker(project, options, { ...prepared, images }, async (batch) => {
      items.push(...batch.map(({ rel, before, after }) => ({ rel, before, after })));
    });
    return items;
  }

  async #run(project: string, scope: CaptionScope, options: CaptionOptions): Promise<CaptionRunResult> {
    const prepared = await this.#prepare(project, scope, options);
    const total = prepared.images.length;
    const records: CaptionUndo[] = [];
    const changed: string[] = [];
    const started = Date.now();
    let captioned = 0;
    this.#deps.progress({ project, done: 0, total, etaSeconds: null });
    let cancelled = false;
    try {
      if (total > 0)
        ({ cancelled } = await this.#inWorker(project, options, prepared, async (batch) => {
          const written = await this.#deps.datasets.writeCaptions(
            project,
            batch.map(({ rel, after }) => ({ rel, caption: after })),
          );
          records.push(written.undo);
          changed.push(...written.changed);
          captioned += batch.length;
          const item = batch.at(-1)?.rel;
          const etaSeconds = etaOf(Date.now() - started, captioned, total);
          this.#deps.progress({ project, done: captioned, total, etaSeconds, ...(item ? { item } : {}) });
        }));
    } finally {
      // Whatever was written, even by a run that failed halfway, is one undo step.
      this.#deps.datasets.pushUndo(project, records, changed);
    }
    return { changed, captioned, total, cancelled, undoDepth: this.#deps.datasets.undoDepth(project) };
  }

  /** Stops a project's preview or run after its current batch. */
  cancel(project: string): void {
    const run = this.#runs.get(project);
    if (run) run.cancel();
    else if (run === null) this.#cancelled.add(project);
  }

  async #info(entry: CatalogueEntry): Promise<CaptionModelInfo> {
    const folder = cachedModelDir(this.#deps.cacheDir, entry.id);
    const { id, kind, name, summary, licence } = entry;
    return {
      id,
      kind,
      name,
      summary,
      licence,
      source: `${entry.repo} @ ${entry.revision}`,
      bytes: entry.files.reduce((sum, f) => sum + f.size, 0),
      installed: (await missingFiles(entry, folder)).length === 0,
      folder,
    };
  }

  /**
   * The model and its folder (checked first: a missing model is the error to see, whatever the scope), and
   * the scope's images worth captioning: fill-empty never sends an image that already has a caption.
   */
  async #prepare(project: string, scope: CaptionScope, options: CaptionOptions): Promise<Prepared> {
    const entry = catalogueEntry(options.modelId);
    const folder = await resolveModelFolder(entry, {
      cacheDir: this.#deps.cacheDir,
      ...(options.modelDir ? { modelDir: options.modelDir } : {}),
    });
    const all = await this.#deps.datasets.scopeImages(project, scope);
    const images = options.mode === 'fill-empty' ? all.filter((image) => image.caption.trim() === '') : all;
    return { entry, folder, images };
  }

  /** Runs the captioner over `images` in a worker, handing each batch on with its before/after texts. */
  async #inWorker(
    project: string,
    options: CaptionOptions,
    { entry, folder, images }: Prepared,
    onBatch: (batch: { rel: string; before: string; after: string }[]) => Promise<void>,
  ): Promise<{ cancelled: boolean }> {
    const byPath = new Map(images.map((image) => [image.path, image]));
    const spec: CaptionJobSpec = {
      entry,
      folder,
      settings: captionerSettings(options),
      imagePaths: images.map((image) => image.path),
      batchSize: CAPTION_BATCH,
      ...(await this.#deps.threads()),
    };
    const run = captionInWorker(this.#deps.launch, spec, (paths, captions) =>
      onBatch(
        paths.map((path, i) => {
          const image = byPath.get(path)!;
          const after =
            combineCaption(image.caption, captions[i], options.mode, options.prefix) ?? image.caption;
          return { rel: image.rel, before: image.caption, after };
        }),
      ),
    );
    this.#runs.set(project, run);
    if (this.#cancelled.has(project)) run.cancel();
    return run.done;
  }

  /**
   * Runs `work` as the project's one captioning job: refused beside another one or a training job; claimed
   * before the first await, so a second call is refused and an early cancel is remembered.
   */
  async #exclusive<T>(project: string, work: () => Promise<T>): Promise<T> {
    if (this.#runs.has(project))
      throw new ApiError(
        'INVALID_ARGUMENT',
        'This project is already being captioned; wait for it or cancel it.',
      );
    const busy = this.#deps.deviceBusy();
    if (busy)
      throw new ApiError(
        'INVALID_ARGUMENT',
        `Training "${busy}" is using the device; caption when it has finished, or cancel it first.`,
      );
    this.#runs.set(project, null);
    try {
      return await work();
    } finally {
      this.#runs.delete(project);
      this.#cancelled.delete(project);
    }
  }
}

/** The options the captioner itself takes (mode and prefix are applied when writing). */
function captionerSettings(options: CaptionOptions): CaptionJobSpec['settings'] {
  const { generalThreshold, characterThreshold, rating, exclude, task, beams } = options;
  const maxNewTokens = options.maxTokens;
  return Object.fromEntries(
    Object.entries({
      generalThreshold,
      characterThreshold,
      rating,
      exclude,
      task,
      beams,
      maxNewTokens,
    }).filter(([, v]) => v !== undefined),
  );
}
