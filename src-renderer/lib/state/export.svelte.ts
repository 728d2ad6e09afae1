// State of the Export screen: which adapter, in which naming and precision, with which metadata, optionally
// merged into a base checkpoint; and where the files went.
import type {
  CompatibilityReport,
  ExportedAdapter,
  ExportRequest,
  TrainingApi,
} from '../../../src-main/api/training';
import type { TesseraApi } from '../../../src-main/api/contract';
import { toErrorData, type ApiErrorData } from '../../../src-main/api/errors';

/** Comma-separated words → trimmed, non-empty list. @example splitWords('ink, sketch ,') // ['ink', 'sketch'] */
export function splitWords(text: string): string[] {
  return text
    .split(',')
    .map((w) => w.trim())
    .filter(Boolean);
}

export class ExportState {
  adapterPath = $state('');
  outPath = $state('');
  format = $state<ExportRequest['format']>('kohya');
  precision = $state<ExportRequest['precision']>('fp16');
  title = $state('');
  triggerWords = $state('');
  author = $state('');
  description = $state('');
  /** A preview of the run (or any image) carried as the adapter's cover. */
  thumbnailPath = $state('');
  merge = $state(false);
  modelPath = $state('');
  mergedPath = $state('');
  strength = $state(1);
  busy = $state(false);
  result = $state.raw<ExportedAdapter | null>(null);
  /** How each tool would load the adapter on `modelPath` (checked on request, before saving). */
  compat = $state.raw<CompatibilityReport | null>(null);
  /** The file the report describes: the run's adapter before export, the written file after. */
  compatFor = $state('');
  checking = $state(false);
  error = $state.raw<ApiErrorData | null>(null);
  readonly #api: TrainingApi & Pick<TesseraApi, 'revealPath'>;

  constructor(api: TrainingApi & Pick<TesseraApi, 'revealPath'>) {
    this.#api = api;
  }

  request(): ExportRequest {
    return {
      adapterPath: this.adapterPath.trim(),
      outPath: this.outPath.trim(),
      format: this.format,
      precision: this.precision,
      ...(this.title.trim() ? { title: this.title.trim() } : {}),
      triggerWords: splitWords(this.triggerWords),
      ...(this.author.trim() ? { author: this.author.trim() } : {}),
      ...(this.description.trim() ? { description: this.description.trim() } : {}),
      ...(this.thumbnailPath.trim() ? { thumbnailPath: this.thumbnailPath.trim() } : {}),
      ...(this.merge
        ? {
            mergeInto: {
              modelPath: this.modelPath.trim(),
              outPath: this.mergedPath.trim(),
              strength: this.strength,
            },
          }
        : {}),
    };
  }

  /** Checks which keys AUTOMATIC1111, Forge, ComfyUI, InvokeAI, diffusers and kohya would apply. */
  async checkCompat(path = this.adapterPath.trim()): Promise<void> {
    this.checking = true;
    this.error = null;
    try {
      this.compat = await this.#api.checkCompatibility(path, this.modelPath.trim());
      this.compatFor = path;
    } catch (err) {
      this.compat = null;
      this.error = toErrorData(err);
    } finally {
      this.checking = false;
    }
  }

  /** Opens the file manager at the exported file (desktop app). */
  async reveal(path: string): Promise<void> {
    try {
      await this.#api.revealPath(path);
    } catch (err) {
      this.error = toErrorData(err);
    }
  }

  async run(): Promise<void> {
    this.busy = true;
    this.error = null;
    try {
      this.result = await this.#api.exportAdapter(this.request());
      // What was written is what other tools will read: report on it when a base model is known.
      if (this.modelPath.trim()) await this.checkCompat(this.result.path);
    } catch (err) {
      this.error = toErrorData(err);
    } finally {
      this.busy = false;
    }
  }
}
