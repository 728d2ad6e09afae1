// State of the "Model" screen as a runes class: the path being typed, the inspection result or the error
// (in plain words), and the folder browser for web mode.
import type { DirectoryListing, ModelInfo, TesseraApi } from '../../../src-main/api/contract';
import { toErrorData, type ApiErrorCode, type ApiErrorData } from '../../../src-main/api/errors';

/** A headline per error code; the error's own message (which names the file) goes underneath. */
export const ERROR_TITLES: Readonly<Record<ApiErrorCode, string>> = {
  INVALID_ARGUMENT: 'That path cannot be used',
  NOT_FOUND: 'Nothing there',
  PERMISSION_DENIED: 'Tessera is not allowed to read this',
  UNSUPPORTED_FORMAT: 'Tessera cannot open this kind of file',
  MALFORMED_FILE: 'This file is damaged or incomplete',
  UNAUTHORIZED: 'This page needs its access token',
  FORBIDDEN: 'Access refused',
  OUT_OF_MEMORY: 'Not enough memory for this',
  DISK_FULL: 'The disk is full',
  INTERNAL: 'Something went wrong inside Tessera',
};

/** The folder part of a typed path, either separator; null when there is none. @example parentOf('/m/a.safetensors') // '/m' */
export function parentOf(path: string): string | null {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  if (cut < 0) return null;
  return cut === 0 ? path.slice(0, 1) : path.slice(0, cut);
}

export class ModelInspection {
  path = $state('');
  info = $state.raw<ModelInfo | null>(null);
  error = $state.raw<ApiErrorData | null>(null);
  busy = $state(false);
  listing = $state.raw<DirectoryListing | null>(null);
  browseError = $state.raw<ApiErrorData | null>(null);
  readonly #api: TesseraApi;

  constructor(api: TesseraApi) {
    this.#api = api;
  }

  /** @example await state.inspect('/models/sd15.safetensors') */
  async inspect(path: string = this.path): Promise<void> {
    const target = path.trim();
    this.path = target;
    if (!target) {
      this.error = {
        code: 'INVALID_ARGUMENT',
        name: 'ApiError',
        message: 'Type the full path of a .safetensors file or a diffusers folder.',
      };
      return;
    }
    this.busy = true;
    this.error = null;
    try {
      this.info = await this.#api.inspectModel(target);
    } catch (err) {
      this.info = null;
      this.error = toErrorData(err);
    } finally {
      this.busy = false;
    }
  }

  /** Opens a folder in the browser (default: home); picking a model file inspects it. */
  async browse(path?: string): Promise<void> {
    try {
      this.listing = await this.#api.listDirectory(path);
      this.browseError = null;
    } catch (err) {
      this.browseError = toErrorData(err);
    }
  }

  /** Starts browsing where the typed path points: that folder, a typed file's folder, or home. */
  async browseFromTypedPath(): Promise<void> {
    const typed = this.path.trim();
    if (!typed) return this.browse();
    try {
      this.listing = await this.#api.listDirectory(typed);
      this.browseError = null;
    } catch (err) {
      const code = toErrorData(err).code;
      const parent = parentOf(typed);
      await this.browse(code === 'INVALID_ARGUMENT' && parent ? parent : undefined);
    }
  }

  closeBrowser(): void {
    this.listing = null;
    this.browseError = null;
  }
}
