// The "Caption images" panel's state as a runes class: the model catalogue with what is on disk, a download
// started only by the user (progress, cancel), the run's scope, mode and tagger options, a preview that writes
// nothing, and the run with progress, ETA and cancel. A finished run re-lists the dataset; its undo is the
// Dataset screen's one Undo.
import type {
  CaptionDownloadProgress,
  CaptionMode,
  CaptionModelInfo,
  CaptionOptions,
  CaptionPreviewItem,
  CaptionRunProgress,
  CaptionRunResult,
  CaptionScope,
  CaptionTask,
  TesseraApi,
} from '../../../src-main/api/contract';
import { toErrorData, type ApiErrorData } from '../../../src-main/api/errors';
import type { Transport } from '../api/client';
import type { DatasetState } from './dataset.svelte';

export type ScopeKind = CaptionScope['kind'];

/** "12 MB", "1.4 GB"; '' when the catalogue does not pin a size. @example formatBytes(12_500_000) // '12.5 MB' */
export function formatBytes(bytes: number): string {
  if (bytes <= 0) return '';
  const units = ['B', 'kB', 'MB', 'GB'];
  const power = Math.min(units.length - 1, Math.floor(Math.log10(bytes) / 3));
  const value = bytes / 1000 ** power;
  return `${value >= 100 || power === 0 ? Math.round(value) : value.toFixed(1)} ${units[power]}`;
}

/** "about 1 min 20 s left" in a few words. @example formatEta(80) // '1 min 20 s left' */
export function formatEta(seconds: number | null): string {
  if (seconds === null) return 'estimating time left…';
  if (seconds < 60) return `${seconds} s left`;
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s left`;
}

/** Tags typed as "a, b,c" → ['a', 'b', 'c']. */
export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
}

export class CaptioningState {
  models = $state.raw<CaptionModelInfo[]>([]);
  modelId = $state('');
  /** A folder that already holds the model's files ('' = the app's model cache). */
  modelDir = $state('');
  scopeKind = $state<ScopeKind>('uncaptioned');
  mode = $state<CaptionMode>('fill-empty');
  /** Thresholds as typed; '' keeps the model's recommended default. */
  generalThreshold = $state('');
  characterThreshold = $state('');
  rating = $state(false);
  exclude = $state('');
  prefix = $state('');
  /** Florence-2: the caption task and the beam width as typed ('' keeps the model's default). */
  task = $state<CaptionTask>('caption');
  beams = $state('');

  download = $state.raw<CaptionDownloadProgress | null>(null);
  progress = $state.raw<CaptionRunProgress | null>(null);
  preview = $state.raw<CaptionPreviewItem[] | null>(null);
  result = $state.raw<CaptionRunResult | null>(null);
  busy = $state<'preview' | 'caption' | 'download' | null>(null);
  error = $state.raw<ApiErrorData | null>(null);

  readonly model = $derived(this.models.find((m) => m.id === this.modelId) ?? null);
  /** The model can run: in the cache, or the user points at a folder of their own. */
  readonly ready = $derived(this.model !== null && (this.model.installed || this.modelDir.trim() !== ''));

  readonly #api: TesseraApi;
  readonly #dataset: DatasetState;

  constructor(api: TesseraApi, dataset: DatasetState) {
    this.#api = api;
    this.#dataset = dataset;
  }

  /** Listens for run and download progress; returns the unsubscribe function. */
  subscribe(onEvent: Transport['onEvent']): () => void {
    const offs = [
      onEvent('caption.progress', (p) => {
        if (p.project === this.#dataset.project && this.busy === 'caption') this.progress = p;
      }),
      onEvent('caption.download', (d) => {
        if (d.modelId === this.modelId) this.download = d;
      }),
    ];
    return () => offs.forEach((off) => off());
  }

  async load(): Promise<void> {
    try {
      this.models = await this.#api.listCaptionModels();
      if (!this.models.some((m) => m.id === this.modelId)) this.modelId = this.models[0]?.id ?? '';
    } catch (err) {
      this.error = toErrorData(err);
    }
  }

  /** The scope as the API takes it; null when "selected" has nothing selected. */
  scope(): CaptionScope | null {
    if (this.scopeKind !== 'selected') return { kind: this.scopeKind };
    const rels = [...this.#dataset.selection.ids];
    return rels.length ? { kind: 'selected', rels } : null;
  }

  /** Options as the API takes them; a threshold that is not a number from 0 to 1 is an error shown here. */
  options(): CaptionOptions | null {
    const thresholds: Record<string, number> = {};
    for (const [field, typed] of [
      ['generalThreshold', this.generalThreshold],
      ['characterThreshold', this.characterThreshold],
    ] as const) {
      if (typed.trim() === '') continue;
      const value = Number(typed);
      if (!(value >= 0 && value <= 1)) {
        this.error = {
          code: 'INVALID_ARGUMENT',
          name: 'Input',
          message: `Thresholds are numbers from 0 to 1, not "${typed}".`,
        };
        return null;
      }
      thresholds[field] = value;
    }
    const exclude = splitList(this.exclude);
    if (this.model?.kind === 'florence2') {
      const beams = this.beams.trim() === '' ? undefined : Number(this.beams);
      if (beams !== undefined && !(Number.isInteger(beams) && beams >= 1 && beams <= 16)) {
        this.error = {
          code: 'INVALID_ARGUMENT',
          name: 'Input',
          message: `Beams is a whole number from 1 to 16, not "${this.beams}".`,
        };
        return null;
      }
      return {
        modelId: this.modelId,
        mode: this.mode,
        task: this.task,
        ...(beams ? { beams } : {}),
        ...(this.modelDir.trim() ? { modelDir: this.modelDir.trim() } : {}),
        ...(this.prefix.trim() ? { prefix: this.prefix.trim() } : {}),
      };
    }
    return {
      modelId: this.modelId,
      mode: this.mode,
      ...thresholds,
      ...(this.modelDir.trim() ? { modelDir: this.modelDir.trim() } : {}),
      ...(this.rating ? { rating: true } : {}),
      ...(exclude.length ? { exclude } : {}),
      ...(this.prefix.trim() ? { prefix: this.prefix.trim() } : {}),
    };
  }

  async startDownload(): Promise<void> {
    if (!this.model) return;
    this.busy = 'download';
    this.error = null;
    this.download = { modelId: this.model.id, done: 0, total: this.model.bytes, status: 'downloading' };
    try {
      const info = await this.#api.downloadCaptionModel(this.model.id);
      this.models = this.models.map((m) => (m.id === info.id ? info : m));
    } catch (err) {
      this.error = toErrorData(err);
    } finally {
      this.busy = null;
    }
  }

  async cancelDownload(): Promise<void> {
    if (this.model) await this.#api.cancelCaptionDownload(this.model.id);
  }

  async runPreview(): Promise<void> {
    await this.#guarded('preview', async (scope, options) => {
      this.result = null;
      this.preview = await this.#api.previewCaptions(this.#dataset.project, scope, options);
    });
  }

  async run(): Promise<void> {
    await this.#guarded('caption', async (scope, options) => {
      this.progress = null;
      this.preview = null;
      this.result = await this.#api.captionImages(this.#dataset.project, scope, options);
      this.#dataset.undoDepth = this.result.undoDepth;
      const { changed, captioned, total, cancelled } = this.result;
      this.#dataset.status = `${cancelled ? 'Cancelled: c' : 'C'}aptioned ${captioned} of ${total} image(s), ${changed.length} caption(s) changed.`;
      await this.#dataset.refresh();
    });
  }

  async cancel(): Promise<void> {
    await this.#api.cancelCaptioning(this.#dataset.project);
  }

  async #guarded(
    kind: 'preview' | 'caption',
    work: (scope: CaptionScope, options: CaptionOptions) => Promise<void>,
  ): Promise<void> {
    this.error = null;
    const scope = this.scope();
    const options = this.options();
    if (!options) return;
    if (!scope) {
      this.error = {
        code: 'INVALID_ARGUMENT',
        name: 'Input',
        message: 'Select some images first, or caption all or the uncaptioned ones.',
      };
      return;
    }
    this.busy = kind;
    try {
      await work(scope, options);
    } catch (err) {
      this.error = toErrorData(err);
    } finally {
      this.busy = null;
      this.progress = null;
    }
  }
}
