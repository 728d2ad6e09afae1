// The latent-preview shader's interface (parsed from the WGSL) and its TS reference on known inputs.
// WebGPU cannot run in this test environment, so the shader's arithmetic is checked only through the reference.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LATENT_RGB, latentToRGB, previewUniform } from '../../src-renderer/lib/preview/latent-rgb';

const wgsl = readFileSync(new URL('../../shaders/latent-preview.wgsl', import.meta.url), 'utf8');

describe('shaders/latent-preview.wgsl', () => {
  it('declares the three bindings its header lists, and the compute entry point', () => {
    const bindings = [...wgsl.matchAll(/@group\((\d+)\) @binding\((\d+)\) var<([\w, ]+)> (\w+)/g)].map(
      (m) => ({
        group: Number(m[1]),
        binding: Number(m[2]),
        space: m[3],
        name: m[4],
      }),
    );
    expect(bindings).toEqual([
      { group: 0, binding: 0, space: 'storage, read', name: 'latent' },
      { group: 0, binding: 1, space: 'uniform', name: 'params' },
      { group: 0, binding: 2, space: 'storage, read_write', name: 'pixels' },
    ]);
    expect(wgsl).toMatch(/@compute @workgroup_size\(8, 8\)\s*fn main\(/);
    for (const b of bindings)
      expect(wgsl.split('\n').slice(0, 8).join('\n')).toContain(`@binding(${b.binding}) ${b.name}`);
  });

  it('uniform layout: 4 factor vec4s then the bias vec4 (the struct order in the shader)', () => {
    expect(wgsl).toMatch(/factors: array<vec4<f32>, 4>,\s*bias: vec4<f32>,\s*size: vec2<u32>/);
    const u = previewUniform('sdxl');
    expect(u.length).toBe(20);
    expect(Array.from(u.subarray(4, 8))).toEqual([-0.2533, -0.0042, 0.1068, 0].map(Math.fround));
    expect(Array.from(u.subarray(16, 20))).toEqual([0.1084, -0.0175, -0.0011, 0].map(Math.fround));
  });
});

describe('latentToRGB', () => {
  it('maps a zero latent to mid-grey (SD1) and to the bias (SDXL)', () => {
    expect(Array.from(latentToRGB(new Float32Array(4), 1, 1, 'sd1'))).toEqual([128, 128, 128, 255]);
    const [r, g, b] = LATENT_RGB.sdxl.bias;
    const expected = [r, g, b].map((v) => Math.round(((v + 1) / 2) * 255));
    expect(Array.from(latentToRGB(new Float32Array(4), 1, 1, 'sdxl'))).toEqual([...expected, 255]);
  });

  it('applies the SD1 factors per pixel, channel-major input, and clamps', () => {
    // Pixel 0: channel 0 = 1 ⇒ rgb = first factor row. Pixel 1: channel 3 = 5 ⇒ all negative ⇒ clamped to 0.
    const latent = Float32Array.from([1, 0, 0, 0, 0, 0, 0, 5]);
    const out = latentToRGB(latent, 1, 2, 'sd1');
    const row = LATENT_RGB.sd1.factors[0].map((v) => Math.round(((v + 1) / 2) * 255));
    expect(Array.from(out.subarray(0, 4))).toEqual([...row, 255]);
    expect(Array.from(out.subarray(4, 8))).toEqual([0, 0, 0, 255]);
  });

  it('rejects a latent of the wrong size', () => {
    expect(() => latentToRGB(new Float32Array(3), 1, 1, 'sd1')).toThrow(/expected 4×1×1/);
  });
});
