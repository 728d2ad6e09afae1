// The device vocabulary the worker protocol and the front doors share: execution-provider names and the
// report of which one a machine uses and why the others are not. engine/runtime/ probes and fills it in.

export type ProviderName = 'cuda' | 'tensorrt' | 'dml' | 'webgpu' | 'coreml' | 'cpu';

export type ProviderStatus =
  'used' | 'available' | 'unavailable' | 'not-installed' | 'not-on-platform' | 'opt-in';

export interface ProviderReport {
  name: ProviderName;
  status: ProviderStatus;
  /** Why it is not used (empty for the used one). */
  reason: string;
}

export interface DeviceReport {
  platform: string;
  chosen: ProviderName;
  providers: ProviderReport[];
}
