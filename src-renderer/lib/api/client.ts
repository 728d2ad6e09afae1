// The renderer's TesseraApi: one proxy object built from API_METHODS over whichever transport exists,
// Electron IPC (window.tessera from the preload) or HTTP to the web server. No default timeouts.
import type { ApiMethod, EventName, TesseraApi, TesseraEvents } from '../../../src-main/api/contract';
import { isEnvelope, unwrap, type ApiEnvelope } from '../../../src-main/api/errors';
import { API_METHODS } from '../../../src-main/api/methods';
import { httpTransport } from './http';
import { ipcTransport } from './ipc';

export interface Transport {
  kind: 'ipc' | 'http';
  call(method: ApiMethod, args: unknown[]): Promise<ApiEnvelope<unknown>>;
  onEvent<E extends EventName>(name: E, listener: (payload: TesseraEvents[E]) => void): () => void;
  /** The path of a picked or dropped file; null where the platform does not reveal it (browsers). */
  pathForFile(file: File): string | null;
  /** Where an <img> loads a dataset image's thumbnail: the guarded HTTP route or the tessera-thumb: protocol. */
  thumbUrl(imagePath: string): string;
  /** Web mode only (null in Electron, where dropped files have paths): stages a dropped file for import. */
  upload: Uploader | null;
  /** Web mode: the event stream broke (server stopped or restarted); absent where it cannot break (IPC). */
  onConnectionLost?(listener: () => void): void;
}

/** Sends one dropped file into a project's staging folder; resolves to its path there, for importImages. */
export type Uploader = (project: string, batch: string, file: File) => Promise<string>;

/**
 * A TesseraApi whose methods reject with ApiError (code and name intact) when the envelope says so.
 * @example const api = createApi(pickTransport()); const info = await api.inspectModel('/m/a.safetensors');
 */
export function createApi(transport: Transport): TesseraApi {
  const entries = API_METHODS.map((method) => [
    method,
    async (...args: unknown[]) => {
      // JSON has no `undefined`: drop trailing omitted optionals instead of sending them as null.
      while (args.length && args[args.length - 1] === undefined) args.pop();
      const envelope = await transport.call(method, args);
      if (!isEnvelope(envelope)) throw new Error(`${method}: the answer was not an API envelope`);
      return unwrap(envelope);
    },
  ]);
  return Object.fromEntries(entries) as unknown as TesseraApi;
}

/** IPC inside Electron (the preload defined window.tessera), HTTP in a browser. */
export function pickTransport(): Transport {
  return window.tessera ? ipcTransport(window.tessera) : httpTransport();
}
