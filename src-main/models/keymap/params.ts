// The parameter-pair builder every key map is generated with: each call records one parameter under its
// LDM/single-file name and its diffusers/HF name at once, so the two layouts can never drift apart.
// Follows docs/reference/checkpoint-formats.md#unet-block-indices (ComfyUI `unet_to_diffusers` idea).

/** What a parameter is, so fixture generators can initialise norms to 1 and biases to ~0. */
export type ParamKind = 'weight' | 'bias' | 'norm-weight' | 'norm-bias' | 'embedding' | 'scalar';

export type KeyLayout = 'ldm' | 'diffusers';

export interface KeyShape {
  key: string;
  shape: number[];
  kind: ParamKind;
}

/** One parameter in both layouts; shapes differ only for the VAE attention (1×1 conv ↔ linear). */
export interface ParamPair {
  ldm: string;
  diffusers: string;
  ldmShape: number[];
  diffusersShape: number[];
  kind: ParamKind;
}

/** Collects pairs; module paths are given without `.weight`/`.bias`. */
export class PairList {
  readonly pairs: ParamPair[] = [];

  add(ldm: string, diffusers: string, shape: number[], kind: ParamKind, diffusersShape = shape): void {
    this.pairs.push({ ldm, diffusers, ldmShape: shape, diffusersShape, kind });
  }

  linear(ldm: string, diffusers: string, out: number, inp: number, bias = true): void {
    this.add(`${ldm}.weight`, `${diffusers}.weight`, [out, inp], 'weight');
    if (bias) this.add(`${ldm}.bias`, `${diffusers}.bias`, [out], 'bias');
  }

  conv(ldm: string, diffusers: string, out: number, inp: number, kernel: number): void {
    this.add(`${ldm}.weight`, `${diffusers}.weight`, [out, inp, kernel, kernel], 'weight');
    this.add(`${ldm}.bias`, `${diffusers}.bias`, [out], 'bias');
  }

  /** A 1×1 conv in LDM that diffusers stores as a Linear (VAE mid attention). */
  convAsLinear(ldm: string, diffusers: string, out: number, inp: number): void {
    this.add(`${ldm}.weight`, `${diffusers}.weight`, [out, inp, 1, 1], 'weight', [out, inp]);
    this.add(`${ldm}.bias`, `${diffusers}.bias`, [out], 'bias');
  }

  norm(ldm: string, diffusers: string, channels: number): void {
    this.add(`${ldm}.weight`, `${diffusers}.weight`, [channels], 'norm-weight');
    this.add(`${ldm}.bias`, `${diffusers}.bias`, [channels], 'norm-bias');
  }
}

/** One side of a pair list as key+shape rows, with optional key prefixes. */
export function keysOf(pairs: readonly ParamPair[], layout: KeyLayout, prefix = ''): KeyShape[] {
  return pairs.map((p) =>
    layout === 'ldm'
      ? { key: prefix + p.ldm, shape: p.ldmShape, kind: p.kind }
      : { key: prefix + p.diffusers, shape: p.diffusersShape, kind: p.kind },
  );
}

/** Total parameter count of a key list. @example paramCount([{ key: 'w', shape: [2, 3], kind: 'weight' }]) === 6 */
export function paramCount(keys: readonly { shape: readonly number[] }[]): number {
  return keys.reduce((sum, k) => sum + k.shape.reduce((n, d) => n * d, 1), 0);
}
