// Test helper: LDM's Encoder/Decoder (`ldm/modules/diffusionmodules/model.py`) written as plain float64 loops over
// [C, H, W] arrays, straight from the reference's definitions, to check the graph's wiring independently.

export interface T {
  c: number;
  h: number;
  w: number;
  d: Float64Array;
}

export type Weights = (name: string) => Float64Array;

const at = (t: T, c: number, y: number, x: number) => t.d[(c * t.h + y) * t.w + x];

/** Conv with per-side zero padding [top, left, bottom, right]; weight [O, I, k, k]. */
export function conv(x: T, w: Float64Array, b: Float64Array, k: number, stride: number, pads: number[]): T {
  const o = b.length;
  const [pt, pl, pb, pr] = pads;
  const h = Math.floor((x.h + pt + pb - k) / stride) + 1;
  const wd = Math.floor((x.w + pl + pr - k) / stride) + 1;
  const d = new Float64Array(o * h * wd);
  for (let m = 0; m < o; m++)
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < wd; xx++) {
        let s = b[m];
        for (let c = 0; c < x.c; c++)
          for (let i = 0; i < k; i++)
            for (let j = 0; j < k; j++) {
              const yy = y * stride + i - pt;
              const xi = xx * stride + j - pl;
              if (yy >= 0 && yy < x.h && xi >= 0 && xi < x.w)
                s += w[((m * x.c + c) * k + i) * k + j] * at(x, c, yy, xi);
            }
        d[(m * h + y) * wd + xx] = s;
      }
  return { c: o, h, w: wd, d };
}

export function groupNorm(x: T, groups: number, gamma: Float64Array, beta: Float64Array, eps: number): T {
  const d = new Float64Array(x.d.length);
  const per = (x.c / groups) * x.h * x.w;
  for (let g = 0; g < groups; g++) {
    const slice = x.d.subarray(g * per, (g + 1) * per);
    const mean = slice.reduce((a, v) => a + v, 0) / per;
    const variance = slice.reduce((a, v) => a + (v - mean) ** 2, 0) / per;
    slice.forEach((v, i) => {
      const c = Math.floor((g * per + i) / (x.h * x.w));
      d[g * per + i] = ((v - mean) / Math.sqrt(variance + eps)) * gamma[c] + beta[c];
    });
  }
  return { ...x, d };
}

const map = (x: T, f: (v: number) => number): T => ({ ...x, d: x.d.map(f) });
const add = (a: T, b: T): T => ({ ...a, d: a.d.map((v, i) => v + b.d[i]) });
const silu = (x: T) => map(x, (v) => v / (1 + Math.exp(-v)));

export class LdmVAE {
  constructor(
    private readonly w: Weights,
    private readonly groups: number,
    private readonly chans: readonly number[],
    private readonly layers: number,
  ) {}

  private conv(
    x: T,
    name: string,
    k: number,
    stride = 1,
    pads = [(k - 1) / 2, (k - 1) / 2, (k - 1) / 2, (k - 1) / 2],
  ) {
    return conv(x, this.w(`${name}.weight`), this.w(`${name}.bias`), k, stride, pads);
  }

  private norm(x: T, name: string): T {
    return groupNorm(x, this.groups, this.w(`${name}.weight`), this.w(`${name}.bias`), 1e-6);
  }

  private resnet(x: T, name: string, out: number): T {
    let h = this.conv(silu(this.norm(x, `${name}.norm1`)), `${name}.conv1`, 3);
    h = this.conv(silu(this.norm(h, `${name}.norm2`)), `${name}.conv2`, 3);
    return add(x.c === out ? x : this.conv(x, `${name}.nin_shortcut`, 1), h);
  }

  /** AttnBlock: w_ = softmax_j(q_i·k_j / √C); h_i = Σ_j w_ij v_j; x + proj_out(h_). */
  private attn(x: T, name: string): T {
    const h = this.norm(x, `${name}.norm`);
    const [q, k, v] = ['q', 'k', 'v'].map((n) => this.conv(h, `${name}.${n}`, 1));
    const n = x.h * x.w;
    const out = new Float64Array(x.c * n);
    for (let i = 0; i < n; i++) {
      const scores = Array.from({ length: n }, (_, j) => {
        let s = 0;
        for (let c = 0; c < x.c; c++) s += q.d[c * n + i] * k.d[c * n + j];
        return s / Math.sqrt(x.c);
      });
      const m = Math.max(...scores);
      const e = scores.map((s) => Math.exp(s - m));
      const z = e.reduce((a, b) => a + b, 0);
      for (let c = 0; c < x.c; c++) out[c * n + i] = e.reduce((a, ej, j) => a + (ej / z) * v.d[c * n + j], 0);
    }
    return add(x, this.conv({ ...x, d: out }, `${name}.proj_out`, 1));
  }

  private mid(x: T, side: string): T {
    const c = x.c;
    return this.resnet(
      this.attn(this.resnet(x, `${side}.mid.block_1`, c), `${side}.mid.attn_1`),
      `${side}.mid.block_2`,
      c,
    );
  }

  /** Encoder + quant_conv → [mean; logvar] stacked on channels (logvar clamped to [-30, 20]). */
  encode(x: T): T {
    let h = this.conv(x, 'encoder.conv_in', 3);
    this.chans.forEach((out, i) => {
      for (let j = 0; j < this.layers; j++) h = this.resnet(h, `encoder.down.${i}.block.${j}`, out);
      if (i < this.chans.length - 1)
        h = this.conv(h, `encoder.down.${i}.downsample.conv`, 3, 2, [0, 0, 1, 1]);
    });
    h = this.conv(silu(this.norm(this.mid(h, 'encoder'), 'encoder.norm_out')), 'encoder.conv_out', 3);
    const m = this.conv(h, 'quant_conv', 1);
    const half = m.d.length / 2;
    return { ...m, d: m.d.map((v, i) => (i < half ? v : Math.min(20, Math.max(-30, v)))) };
  }

  decode(z: T): T {
    const last = this.chans.length - 1;
    let h = this.mid(this.conv(this.conv(z, 'post_quant_conv', 1), 'decoder.conv_in', 3), 'decoder');
    for (let i = last; i >= 0; i--) {
      for (let j = 0; j <= this.layers; j++) h = this.resnet(h, `decoder.up.${i}.block.${j}`, this.chans[i]);
      if (i > 0) h = this.conv(upsample(h), `decoder.up.${i}.upsample.conv`, 3);
    }
    return this.conv(silu(this.norm(h, 'decoder.norm_out')), 'decoder.conv_out', 3);
  }
}

function upsample(x: T): T {
  const d = new Float64Array(x.c * 4 * x.h * x.w);
  for (let c = 0; c < x.c; c++)
    for (let y = 0; y < 2 * x.h; y++)
      for (let xx = 0; xx < 2 * x.w; xx++) d[(c * 2 * x.h + y) * 2 * x.w + xx] = at(x, c, y >> 1, xx >> 1);
  return { c: x.c, h: 2 * x.h, w: 2 * x.w, d };
}
