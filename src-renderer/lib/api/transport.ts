// What the renderer needs from a front door: calls, events, file paths, thumbnails and uploads. Electron IPC
// (ipc.ts) and HTTP (http.ts) implement it; client.ts picks one and builds the TesseraApi over it.
import type { ApiMethod, EventName, TesseraEvents } from '../../../src-main/api/contract';
import type { ApiEnvelope } from '../../../src-main/api/errors';

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
