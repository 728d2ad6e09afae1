// Seeded Gaussian noise equal to `torch.manual_seed(seed); torch.randn(shape)` on the CPU (A1111 "CPU" RNG, ComfyUI).
// Follows torch's CPUGeneratorImpl (mt19937, random64 = hi<<32|lo), ATen `normal_distribution` (scalar path,
// < 16 elements) and `normal_fill`/`normal_fill_16` (≥ 16 contiguous floats) in native/cpu/DistributionTemplates.h.

const N = 624;
const M = 397;

/** The 32-bit Mersenne Twister, as std::mt19937 and torch's `at::mt19937` (seeded with the low 32 bits). */
export class MT19937 {
  private readonly state = new Uint32Array(N);
  private index = N;

  constructor(seed: number | bigint = 5489) {
    this.state[0] = Number(BigInt(seed) & 0xffffffffn);
    for (let i = 1; i < N; i++) {
      const prev = this.state[i - 1] ^ (this.state[i - 1] >>> 30);
      this.state[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }

  nextU32(): number {
    if (this.index >= N) this.twist();
    let y = this.state[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  private twist(): void {
    const s = this.state;
    for (let i = 0; i < N; i++) {
      const y = (s[i] & 0x80000000) | (s[(i + 1) % N] & 0x7fffffff);
      s[i] = s[(i + M) % N] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.index = 0;
  }
}

/** Where noise comes from: samplers draw per-step noise through this, so any generator can stand in. */
export interface NoiseSource {
  randn(count: number): Float32Array;
}

/**
 * torch's CPU generator: same seed, same call sequence ⇒ same floats as torch (see the file header for what is verified).
 * @example const g = new TorchCpuGenerator(0); g.randn(4) // ≈ [1.5410, -0.2934, -2.1788, 0.5684]
 */
export class TorchCpuGenerator implements NoiseSource {
  private readonly engine: MT19937;
  /** Box–Muller makes pairs; the scalar path caches the second one in the generator, as torch does. */
  private cachedNormal: number | null = null;

  constructor(seed: number | bigint) {
    this.engine = new MT19937(seed);
  }

  /** uniform_real_distribution<double>: 53 low bits of random64() = (first << 32) | second. */
  private uniformDouble(): number {
    const hi = this.engine.nextU32();
    const lo = this.engine.nextU32();
    return ((hi & 0x1fffff) * 2 ** 32 + lo) * 2 ** -53;
  }

  /** uniform_real_distribution<float>: 24 low bits of one random(). */
  private uniformFloat(): number {
    return (this.engine.nextU32() & 0xffffff) * 2 ** -24;
  }

  /** at::normal_distribution<double>: cos half now, sin half cached for the next call. */
  private normalDouble(): number {
    if (this.cachedNormal !== null) {
      const cached = this.cachedNormal;
      this.cachedNormal = null;
      return cached;
    }
    const u1 = this.uniformDouble();
    const u2 = this.uniformDouble();
    const r = Math.sqrt(-2 * Math.log1p(-u2));
    const theta = 2 * Math.PI * u1;
    this.cachedNormal = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** `torch.randn(count)` (float32, contiguous). */
  randn(count: number): Float32Array {
    const out = new Float32Array(count);
    if (count < 16) {
      for (let i = 0; i < count; i++) out[i] = this.normalDouble();
      return out;
    }
    for (let i = 0; i < count; i++) out[i] = this.uniformFloat();
    for (let i = 0; i + 16 <= count; i += 16) boxMuller16(out, i);
    if (count % 16 !== 0) {
      // torch redraws the last 16 uniforms and transforms them, overwriting part of the last full block.
      const start = count - 16;
      for (let i = 0; i < 16; i++) out[start + i] = this.uniformFloat();
      boxMuller16(out, start);
    }
    return out;
  }
}

const f = Math.fround;

/**
 * normal_fill_16 in float: pairs element j with j + 8.
 * NOTE: torch's AVX2 build uses avx_mathfun's log/sincos; those may differ from correctly rounded float math in
 * the last bit, so bit-exactness holds for the portable kernel and "to float precision" for the AVX2 one.
 */
function boxMuller16(data: Float32Array, at: number): void {
  for (let j = 0; j < 8; j++) {
    const u1 = f(1 - data[at + j]);
    const u2 = data[at + j + 8];
    const radius = f(Math.sqrt(f(-2 * f(Math.log(u1)))));
    const theta = f(2 * Math.PI * u2);
    data[at + j] = f(radius * f(Math.cos(theta)));
    data[at + j + 8] = f(radius * f(Math.sin(theta)));
  }
}

/**
 * `torch.manual_seed(seed); torch.randn(shape)` on the CPU, flattened row-major.
 * @example randn(42, [1, 4, 64, 64]) // A1111 "CPU" RNG initial latent for seed 42 at 512×512
 */
export function randn(seed: number | bigint, shape: readonly number[]): Float32Array {
  const count = shape.reduce((a, b) => a * b, 1);
  return new TorchCpuGenerator(seed).randn(count);
}
