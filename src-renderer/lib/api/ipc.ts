// The Electron transport: everything goes through the preload's window.tessera bridge (contextBridge),
// which exposes call/onEvent/getPathForFile only.
import type { TesseraBridge } from '../../../src-main/api/contract';
import type { ApiEnvelope } from '../../../src-main/api/errors';
import { thumbProtocolUrl } from '../../../src-main/api/thumb-url';
import type { Transport } from './transport';

declare global {
  interface Window {
    /** Present only inside Electron, defined by src-main/app/preload.ts. */
    tessera?: TesseraBridge;
  }
}

/** @example const transport = ipcTransport(window.tessera!) */
export function ipcTransport(bridge: TesseraBridge): Transport {
  return {
    kind: 'ipc',
    call: (method, args) => bridge.call(method, args) as Promise<ApiEnvelope<unknown>>,
    onEvent: (name, listener) => bridge.onEvent(name, listener),
    pathForFile: (file) => bridge.getPathForFile(file) || null,
    thumbUrl: thumbProtocolUrl,
    upload: null,
  };
}
