// State of the Export screen: which adapter, in which naming and precision, with which metadata, optionally
// merged into a base checkpoint; and where the files went.
import type { ExportedAdapter, ExportRequest, TrainingApi } from '../../../src-main/api/training';
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
  merge = $state(false);
  modelPath = $state('');
  mergedPath = $state('');
  strength = $state(1);
  busy = $state(false);
  result = $state.raw<ExportedAdapter | null>(null);
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
    } catch (err) {
      this.error = toErrorData(err);
    } finally {
      this.busy = false;
    }
  }
}
