// The renderer's TesseraApi: one proxy object built from API_METHODS over whichever transport exists,
// Electron IPC (window.tessera from the preload) or HTTP to the web server. No default timeouts.
import type { TesseraApi } from '../../../src-main/api/contract';
import { isEnvelope, unwrap } from '../../../src-main/api/errors';
import { API_METHODS } from '../../../src-main/api/methods';
import { httpTransport } from './http';
import { ipcTransport } from './ipc';
import type { Transport } from './transport';

export type { Transport, Uploader } from './transport';

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
