// The two words of model detection (ComfyUI-style): what stage 1 reads from a checkpoint's keys, and one row
// of the ordered stage-2 tables (detect.ts for SD families, detect-other.ts for everything else).

/** Stage 1: what the keys say about the UNet and text encoders. */
export interface CheckpointStructure {
  has: (key: string) => boolean;
  keys: readonly string[];
  metadata: Readonly<Record<string, string>>;
  modelChannels: number | null;
  inChannels: number | null;
  contextDim: number | null;
  linearProjection: boolean | null;
  admChannels: number | null;
}

export interface Signature<T, S> {
  value: T;
  test: (s: S) => boolean;
  says: string;
}
