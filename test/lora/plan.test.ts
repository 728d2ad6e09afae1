import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTinyCheckpoints } from '../../scripts/make-tiny-checkpoints';
import { loadLoRA } from '../../src-main/lora/load';
import {
  continueFromFile,
  continueLoRA,
  initLoRA,
  planTargets,
  type LoRAPlan,
} from '../../src-main/lora/plan';
import { FAMILIES } from '../../src-main/models/families';
import { unetLoRATargets } from '../../src-main/models/keymap/lora-names';
import { seededRandom } from './targets-fixture';

const plan: LoRAPlan = { family: 'tiny-sd1', targetSet: 'attention', rank: 4, alpha: 2 };

let dir: string;
let paths: Record<string, string>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-plan-'));
  paths = await makeTinyCheckpoints(dir);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('planTargets', () => {
  it('defaults to every attention projection of the family', () => {
    expect(planTargets(plan)).toEqual(unetLoRATargets(FAMILIES['tiny-sd1'], 'attention'));
    expect(planTargets({ ...plan, family: 'sd1' })).toHaveLength(128);
  });

  it('filters by whole-segment prefix and /regex/ on LDM or diffusers paths', () => {
    const first = planTargets({ ...plan, include: ['input_blocks.1'] });
    expect(first.every((t) => t.ldmPath.startsWith('input_blocks.1.'))).toBe(true);
    expect(first).toHaveLength(8);
    const byDiffusers = planTargets({ ...plan, include: ['down_blocks.0.attentions.0'] });
    expect(byDiffusers).toEqual(first);
    const noCross = planTargets({ ...plan, exclude: ['/attn2/'] });
    expect(noCross.some((t) => t.ldmPath.includes('attn2'))).toBe(false);
    expect(noCross.length * 2).toBe(planTargets(plan).length);
    const sd1 = planTargets({ ...plan, family: 'sd1', include: ['input_blocks.1'] });
    expect(sd1.some((t) => t.ldmPath.startsWith('input_blocks.11'))).toBe(false);
  });

  it('adds proj_in/proj_out and the feed-forward with the transformer set', () => {
    const t = planTargets({ ...plan, targetSet: 'transformer' });
    expect(t.filter((x) => x.conv1x1).map((x) => x.ldmPath)).toContain('input_blocks.1.1.proj_in');
    expect(t.some((x) => x.ldmPath.endsWith('ff.net.2'))).toBe(true);
  });

  it('explains an empty selection and bad rank/alpha', () => {
    expect(() => planTargets({ ...plan, include: ['nowhere'] })).toThrow(/selects no module.*input_blocks/);
    expect(() => planTargets({ ...plan, rank: 0 })).toThrow(/rank/);
    expect(() => planTargets({ ...plan, alpha: Number.NaN })).toThrow(/alpha/);
  });
});

describe('initLoRA', () => {
  it('draws A from U(±1/√in) (kaiming_uniform a=√5) and zeroes B, reproducibly', () => {
    const a = initLoRA(plan, seededRandom(1));
    const b = initLoRA(plan, seededRandom(1));
    expect(a.modules.map((m) => m.A)).toEqual(b.modules.map((m) => m.A));
    for (const m of a.modules) {
      const bound = 1 / Math.sqrt(m.inFeatures);
      expect(m.A.every((v) => Math.abs(v) <= bound)).toBe(true);
      expect(m.B.every((v) => v === 0)).toBe(true);
      expect([m.rank, m.alpha, m.A.length]).toEqual([4, 2, 4 * m.inFeatures]);
    }
    const all = a.modules.flatMap((m) => Array.from(m.A, (v) => v * Math.sqrt(m.inFeatures)));
    const variance = all.reduce((s, v) => s + v * v, 0) / all.length;
    expect(variance).toBeCloseTo(1 / 3, 1); // U(-1, 1) after un-scaling
    expect(a.modules[0].module).toBe('unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q');
  });
});

describe('continueLoRA', () => {
  it('accepts a loaded LoRA with the planned targets, rank and alpha', async () => {
    const { adapter } = await loadLoRA(paths['tiny-sd1-lora'], { family: 'tiny-sd1' });
    const start = continueLoRA(plan, adapter);
    expect(start.modules.map((m) => m.module)).toEqual(
      initLoRA(plan, seededRandom(2)).modules.map((m) => m.module),
    );
  });

  it('names rank, alpha, missing and extra modules', () => {
    const fresh = initLoRA(plan, seededRandom(3));
    expect(() => continueLoRA({ ...plan, rank: 8 }, fresh)).toThrow(
      /rank 4 in the file, the plan asks for rank 8/,
    );
    expect(() => continueLoRA({ ...plan, alpha: 4 }, fresh)).toThrow(/alpha 2 in the file/);
    const partial = { ...fresh, modules: fresh.modules.slice(1) };
    expect(() => continueLoRA(plan, partial)).toThrow(/lacks 1 planned modules: unet\.down_blocks\.0/);
    expect(() => continueLoRA({ ...plan, exclude: ['/attn2/'] }, fresh)).toThrow(/outside the plan/);
  });
});

describe('continueFromFile', () => {
  it('loads a kohya file for the plan, and refuses one trained on other targets', async () => {
    const start = await continueFromFile(plan, paths['tiny-sd1-lora']);
    expect(start.modules).toHaveLength(planTargets(plan).length);
    expect(start.modules.some((m) => m.B.some((v) => v !== 0))).toBe(true);
    await expect(
      continueFromFile({ ...plan, targetSet: 'transformer' }, paths['tiny-sd1-lora']),
    ).rejects.toThrow(/lacks \d+ planned modules/);
  });
});
