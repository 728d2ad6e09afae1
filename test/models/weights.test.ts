import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Graph } from '../../src-main/engine';
import { materialize } from '../../src-main/engine/onnx/external-data';
import { componentOf, openCheckpoint, WeightError } from '../../src-main/models/weights';
import { makeTinyCheckpoints } from '../../scripts/make-tiny-checkpoints';

let dir = '';
let paths: Record<string, string> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-weights-'));
  paths = await makeTinyCheckpoints(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('openCheckpoint', () => {
  for (const id of ['tiny-sd1', 'tiny-sdxl']) {
    it(`${id}: the single file and the diffusers folder hold the same canonical tensors`, async () => {
      const single = await openCheckpoint(paths[id]);
      const folder = await openCheckpoint(paths[`${id}-diffusers`]);
      expect(single.config.id).toBe(id);
      expect(folder.config.id).toBe(id);
      for (const name of ['unet', 'vae', ...single.config.textEncoders.map((t) => t.component)] as const) {
        const a = componentOf(single, name);
        const b = componentOf(folder, name);
        expect(b.names().length).toBeGreaterThan(0);
        for (const key of b.names()) {
          const shape = [...b.shapeOf(key)!];
          expect(a.shapeOf(key), `${name} ${key}`).toEqual(shape);
          const g = new Graph();
          const pa = a.param(g, key, shape);
          const pb = b.param(g, key, shape);
          const bytes = (n: typeof pa) => materialize({ param: n.param!, dtype: 'f32', shape, name: key });
          expect(Buffer.compare(bytes(pa), bytes(pb)), `${name} ${key}`).toBe(0);
        }
      }
    });
  }

  it('lists what no component reads, and names a missing or mis-shaped key with the expected shape', async () => {
    const single = await openCheckpoint(paths['tiny-sdxl']);
    expect(single.ignored.map((i) => i.key)).toContain('conditioner.embedders.1.model.logit_scale');
    const unet = componentOf(single, 'unet');
    const g = new Graph();
    expect(() => unet.param(g, 'no.such.weight', [3])).toThrow(
      /no tensor 'no.such.weight' \(expected shape \[3\]\)/,
    );
    expect(() => unet.param(g, 'out.2.bias', [5])).toThrow(WeightError);
    expect(() => unet.param(g, 'out.2.bias', [5])).toThrow(/has shape \[4\], the model expects \[5\]/);
    unet.param(g, 'out.2.bias', [4]);
    expect(unet.unused()).not.toContain('out.2.bias');
    expect(unet.unused()).toContain('out.2.weight');
  });
});
