// Electron IPC over the API contract: one `api:<method>` handler per API_METHODS entry. Each call checks the
// sending frame is our renderer, validates arguments and answers with the envelope (never throws across IPC).
import { BrowserWindow, ipcMain, type IpcMainInvokeEvent } from 'electron';
import type { ApiMethod } from '../api/contract';
import { ApiError, fail, settle, type ApiEnvelope } from '../api/errors';
import { API_METHODS } from '../api/methods';
import { validateArgs } from '../api/validate';
import type { Services } from '../core/services';
import { isTrustedUrl, type RendererEntry } from './trust';

/** The channel main pushes TesseraEvents on; the preload listens to it. */
export const EVENT_CHANNEL = 'tessera:event';

export const channelOf = (method: ApiMethod): string => `api:${method}`;

async function handleCall(
  services: Services,
  entry: RendererEntry,
  event: IpcMainInvokeEvent,
  method: ApiMethod,
  args: unknown,
): Promise<ApiEnvelope<unknown>> {
  const frameUrl = event.senderFrame?.url ?? '';
  if (!isTrustedUrl(frameUrl, entry))
    return fail(new ApiError('FORBIDDEN', `IPC from ${frameUrl || 'a destroyed frame'} is not allowed.`));
  return settle(async () => {
    const valid = validateArgs(method, args);
    return (services[method] as (...a: unknown[]) => Promise<unknown>).apply(services, valid);
  });
}

/** Registers every API method and forwards core events to all windows; returns the unregister function. */
export function registerIpc(services: Services, entry: RendererEntry): () => void {
  for (const method of API_METHODS) {
    ipcMain.handle(channelOf(method), (event, args: unknown) =>
      handleCall(services, entry, event, method, args),
    );
  }
  const unsubscribe = services.events.subscribe((name, payload) => {
    for (const win of BrowserWindow.getAllWindows()) win.webContents.send(EVENT_CHANNEL, name, payload);
  });
  return () => {
    unsubscribe();
    for (const method of API_METHODS) ipcMain.removeHandler(channelOf(method));
  };
}
