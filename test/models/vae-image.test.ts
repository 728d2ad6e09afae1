// RGB8 ↔ [-1, 1] NCHW conversions.
import { describe, expect, it } from 'vitest';
import { rgbToTensor, tensorToRgb } from '../../src-main/models/vae-image';

describe('rgbToTensor / tensorToRgb', () => {
  it('maps 0..255 to -1..1 in NCHW order and back exactly', () => {
    const a = { data: Uint8Array.from([0, 128, 255, 10, 20, 30]), width: 2, height: 1 };
    const b = { data: Uint8Array.from([255, 255, 255, 0, 0, 0]), width: 2, height: 1 };
    const t = rgbToTensor([a, b]);
    expect(t.shape).toEqual([2, 3, 1, 2]);
    // image 0: R plane [0, 10], G plane [128, 20], B plane [255, 30]
    expect(t.data[0]).toBe(-1);
    expect(t.data[1]).toBeCloseTo(10 / 127.5 - 1, 6);
    expect(t.data[2]).toBeCloseTo(128 / 127.5 - 1, 6);
    expect(t.data[4]).toBe(1);
    const [ra, rb] = tensorToRgb(t);
    expect(Array.from(ra.data)).toEqual(Array.from(a.data));
    expect(Array.from(rb.data)).toEqual(Array.from(b.data));
    const all = { data: Uint8Array.from({ length: 768 }, (_, i) => i % 256), width: 256, height: 1 };
    expect(Array.from(tensorToRgb(rgbToTensor([all]))[0].data)).toEqual(Array.from(all.data));
  });

  it('clamps decoded values outside [-1, 1] and checks shapes', () => {
    const [rgb] = tensorToRgb({ data: Float32Array.from([-3, 2, 0]), shape: [1, 3, 1, 1] });
    expect(Array.from(rgb.data)).toEqual([0, 255, 128]);
    expect(() => tensorToRgb({ data: new Float32Array(4), shape: [1, 4, 1, 1] })).toThrow(/3 channels/);
    const small = { data: new Uint8Array(3), width: 1, height: 1 };
    const big = { data: new Uint8Array(12), width: 2, height: 2 };
    expect(() => rgbToTensor([small, big])).toThrow(/image 1 is 2×2, image 0 is 1×1/);
    expect(() => rgbToTensor([{ ...big, data: new Uint8Array(5) }])).toThrow(/5 bytes/);
    expect(() => rgbToTensor([])).toThrow(/no images/);
  });
});
