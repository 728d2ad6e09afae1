// Everything the UI can do, as one class implementing the api/contract.ts interface. Front doors (Electron
// IPC, the web server, the CLI) validate arguments and wrap results; this class holds no Electron import.
import { stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import type { AppInfo, DirectoryListing, ModelInfo, TesseraApi } from '../api/contract';
import { ApiError } from '../api/errors';
import { inspectModel } from '../models/inspect';
import { appInfo } from './app-info';
import { listModelDirectory } from './directory';
import { EventHub } from './events';

export interface ServicesOptions {
  /** Which front door serves this instance; reported by getAppInfo. */
  mode: AppInfo['mode'];
}

export class Services implements TesseraApi {
  /** Events for every connected UI; front doors subscribe and forward. */
  readonly events = new EventHub();
  readonly #mode: AppInfo['mode'];

  constructor(options: ServicesOptions) {
    this.#mode = options.mode;
  }

  /** @example await new Services({ mode: 'web' }).getAppInfo() // { version: '0.1.0', mode: 'web', platform: 'linux' } */
  async getAppInfo(): Promise<AppInfo> {
    return appInfo(this.#mode);
  }

  /** @example const info = await services.inspectModel('/models/sd15.safetensors'); info.family // 'sd1' */
  async inspectModel(path: string): Promise<ModelInfo> {
    await requireExisting(path);
    const info = await inspectModel(path);
    this.#log('info', `Inspected ${path}: ${info.familyLabel}`);
    return info;
  }

  /** @example const { entries } = await services.listDirectory('/models') */
  async listDirectory(path?: string): Promise<DirectoryListing> {
    return listModelDirectory(path);
  }

  #log(level: 'info' | 'warn' | 'error', message: string): void {
    this.events.emit('app.log', { level, message, time: new Date().toISOString() });
  }
}

/** Plain words for the commonest mistake (a mistyped path) before any parser sees the file. */
async function requireExisting(path: string): Promise<void> {
  if (!isAbsolute(path))
    throw new ApiError('INVALID_ARGUMENT', `Give a full path (starting at a drive or /), not "${path}".`);
  try {
    await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new ApiError('NOT_FOUND', `There is no file or folder at ${path}.`, { cause: err });
    }
    throw err;
  }
}
