// Messages between the session host (main side, thread.ts) and its worker (thread-worker.ts). ORT's run()
// blocks the JS thread that calls it (docs/reference/ort-notes.md#run-blocks-the-js-thread), so sessions live
// in a worker_thread.

import type { ModelIO, ProviderName, SessionOptions } from './session';
import type { ProviderChoice, ProviderReport } from './providers';
import type { TensorValue } from './tensor-io';
import type { DType } from '../graph/dtype';

/** A tensor that stayed on the device inside the worker (WebGPU gpu-buffer), named by a handle id. */
export interface DeviceRef {
  device: number;
  dtype: DType;
  shape: readonly number[];
}

export type WireValue = TensorValue | DeviceRef;

export type Request =
  | {
      type: 'create';
      path: string;
      options: Omit<SessionOptions, 'providers'>;
      choice: Omit<ProviderChoice, 'log'>;
    }
  | { type: 'run'; session: number; feeds: Record<string, WireValue> }
  | { type: 'readBack'; device: number }
  | { type: 'release'; device: number }
  | { type: 'dispose'; session: number };

export interface CreateResult {
  session: number;
  provider: ProviderName;
  inputs: ModelIO[];
  outputs: ModelIO[];
  skipped: ProviderReport[];
}

export type Reply =
  { id: number; ok: true; value: unknown; log?: string[] } | { id: number; ok: false; error: string };

export function isDeviceRef(v: WireValue): v is DeviceRef {
  return (v as DeviceRef).device !== undefined;
}
