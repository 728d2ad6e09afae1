import { describe, expect, it } from 'vitest';
import { createBucketer, makeBucketResolutions, planCrop } from '../../src-main/dataset/buckets';
import { seededRng } from '../../src-main/random';

// Expected values worked out by hand from kohya's rules (make_bucket_resolutions, select_bucket):
// max area 512² = 262144, step 64, sides 256..1024.
describe('makeBucketResolutions', () => {
  it('lists kohya’s 17 buckets for 512, sorted by width then height', () => {
    const list = makeBucketResolutions({ resolution: 512 }).map((b) => `${b.width}x${b.height}`);
    expect(list).toEqual([
      '256x832',
      '256x896',
      '256x960',
      '256x1024',
      '320x704',
      '320x768',
      '384x640',
      '448x576',
      '512x512',
      '576x448',
      '640x384',
      '704x320',
      '768x320',
      '832x256',
      '896x256',
      '960x256',
      '1024x256',
    ]);
  });

  it('respects min/max side and step', () => {
    const list = makeBucketResolutions({ resolution: 1024, minSide: 512, maxSide: 2048, step: 128 });
    expect(
      list.every((b) => b.width >= 512 && b.height >= 512 && b.width % 128 === 0 && b.height % 128 === 0),
    ).toBe(true);
    expect(list).toContainEqual({ width: 1024, height: 1024 });
    expect(list).toContainEqual({ width: 512, height: 2048 });
  });
});

// [image w, image h] → [bucket w, bucket h, resized w, resized h]
const UPSCALE_TABLE: [number, number, number, number, number, number][] = [
  [1024, 1024, 512, 512, 512, 512], // square shrinks into the square bucket
  [1024, 768, 576, 448, 597, 448], // 4:3 → nearest ratio 1.286; height fits, width overflows
  [768, 1024, 448, 576, 448, 597], // the transpose
  [1920, 1080, 640, 384, 683, 384], // 16:9 → 5:3
  [512, 512, 512, 512, 512, 512], // exact bucket size kept
  [320, 768, 320, 768, 320, 768], // exact non-square bucket size kept
  [3000, 500, 1024, 256, 1536, 256], // 6:1 → widest bucket 4:1
  [200, 300, 384, 640, 427, 640], // small images are scaled up to cover the bucket
];

// no-upscale: [image w, image h] → [bucket w, bucket h, resized w, resized h]
const NO_UPSCALE_TABLE: [number, number, number, number, number, number][] = [
  [300, 200, 256, 192, 300, 200], // below max area: untouched, bucket trimmed to steps
  [1024, 768, 512, 384, 512, 384], // height rounding keeps 4:3 exactly
  [2000, 500, 1024, 256, 1024, 256], // both roundings exact: the height branch wins ties
  [1000, 1000, 512, 512, 512, 512],
  [700, 400, 640, 384, 672, 384], // width rounding gives 2.0, height rounding 1.667: height wins
];

describe('createBucketer', () => {
  it.each(UPSCALE_TABLE)('%i×%i → bucket %i×%i, resized %i×%i', (w, h, bw, bh, rw, rh) => {
    const a = createBucketer({ resolution: 512 })(w, h);
    expect([a.bucket.width, a.bucket.height, a.resized.width, a.resized.height]).toEqual([bw, bh, rw, rh]);
    expect(a.aspectError).toBeCloseTo(bw / bh - w / h, 12);
  });

  it.each(NO_UPSCALE_TABLE)('no upscale: %i×%i → bucket %i×%i, resized %i×%i', (w, h, bw, bh, rw, rh) => {
    const a = createBucketer({ resolution: 512, noUpscale: true })(w, h);
    expect([a.bucket.width, a.bucket.height, a.resized.width, a.resized.height]).toEqual([bw, bh, rw, rh]);
  });

  it('accepts a non-square resolution as the max area', () => {
    const a = createBucketer({ resolution: { width: 768, height: 512 } })(1536, 1024);
    expect(a.bucket).toEqual({ width: 768, height: 512 });
  });
});

describe('planCrop', () => {
  const bucketer = createBucketer({ resolution: 512 });

  it('center-crops the overflowing side and maps the crop back to source pixels', () => {
    const plan = planCrop(bucketer, 1024, 768, { mode: 'center' });
    expect(plan.crop).toEqual({ left: 10, top: 0, width: 576, height: 448 });
    expect(plan.sourceCrop).toEqual({ left: 17, top: 0, width: 988, height: 768 });
    expect(plan.flip).toBe(false);
  });

  it('draws random offsets and flips from the seeded rng, reproducibly', () => {
    const plans = [1, 2, 3, 4, 5, 6].map((seed) =>
      planCrop(bucketer, 1920, 1080, { mode: 'random', flip: true, rng: seededRng(seed) }),
    );
    for (const plan of plans) expect(plan.crop.left).toBeGreaterThanOrEqual(0);
    for (const plan of plans) expect(plan.crop.left).toBeLessThanOrEqual(683 - 640);
    expect(new Set(plans.map((p) => p.crop.left)).size).toBeGreaterThan(1);
    expect(new Set(plans.map((p) => p.flip))).toEqual(new Set([true, false]));
    const again = planCrop(bucketer, 1920, 1080, { mode: 'random', flip: true, rng: seededRng(3) });
    expect(again).toEqual(plans[2]);
  });
});
