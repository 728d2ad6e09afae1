// The sandboxed preload (bundled to ONE CommonJS file): exposes window.tessera = { call, onEvent,
// getPathForFile } and nothing else — never ipcRenderer, never process.env (style.md "IPC contract").
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type { EventName, TesseraBridge } from '../api/contract';
import { ApiError, fail } from '../api/errors';
import { isApiMethod, isEventName } from '../api/methods';

// Literal copies of ipc.ts's channel names: importing ipc.ts would pull main-process code into the preload.
const EVENT_CHANNEL = 'tessera:event';

const listeners = new Map<EventName, Set<(payload: unknown) => void>>();

ipcRenderer.on(EVENT_CHANNEL, (_event, name: unknown, payload: unknown) => {
  if (isEventName(name)) listeners.get(name)?.forEach((listener) => listener(payload));
});

const bridge: TesseraBridge = {
  call(method, args) {
    if (!isApiMethod(method))
      return Promise.resolve(fail(new ApiError('NOT_FOUND', `There is no API method "${method}".`)));
    return ipcRenderer.invoke(`api:${method}`, args);
  },
  onEvent(name, listener) {
    const set = listeners.get(name) ?? new Set();
    listeners.set(name, set);
    const wrapped = listener as (payload: unknown) => void;
    set.add(wrapped);
    return () => set.delete(wrapped);
  },
  getPathForFile: (file) => webUtils.getPathForFile(file),
};

contextBridge.exposeInMainWorld('tessera', bridge);
