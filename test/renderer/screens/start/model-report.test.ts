// The result panel renders a ModelInfo: label, facts, components, LoRA details, warnings and evidence.
// NOTE: vitest.config.ts resolves Svelte for the server, so this renders with svelte/server and reads the
// HTML in jsdom (mounting interactively would need the svelteTesting() Vite plugin in the config).
import { JSDOM } from 'jsdom';
import { render } from 'svelte/server';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelInfo } from '../../../../src-main/api/contract';
import { inspectModel } from '../../../../src-main/models/inspect';
import { FAMILIES } from '../../../../src-main/models/families';
import { clipTextConfig, diffusersUNetConfig } from '../../../../src-main/models/keymap/diffusers';
import ModelReport from '../../../../src-renderer/screens/start/ModelReport.svelte';
import { makeTinyCheckpoints } from '../../../../scripts/make-tiny-checkpoints';

const info: ModelInfo = {
  path: '/m/style.safetensors',
  layout: 'lora',
  family: 'sdxl',
  familyLabel: 'LoRA for Stable Diffusion XL (base)',
  variant: 'normal',
  prediction: 'epsilon',
  evidence: ['LoRA keys use kohya naming'],
  architecture: [],
  refusal: null,
  components: [
    { name: 'unet', present: true, tensors: 2166, params: 23_000_000, dtypes: { F16: 1444, F32: 722 } },
    { name: 'text_encoder', present: false, tensors: 0, params: 0, dtypes: {} },
  ],
  totalParams: 23_000_000,
  tensorCount: 2166,
  fileBytes: 46_000_000,
  dtypes: { F16: 1444, F32: 722 },
  lora: {
    naming: 'kohya',
    family: 'sdxl',
    rank: 16,
    alpha: 8,
    modules: 722,
    targets: { unet: 722, textEncoder: 0 },
  },
  metadata: {},
  warnings: ['unet: 3 keys have unexpected shapes'],
};

function renderReport(model: ModelInfo): Document {
  return new JSDOM(render(ModelReport, { props: { info: model } }).body).window.document;
}

/** Text of each match; an element's children are joined with ' | ' so table cells and dt/dd stay apart. */
const texts = (doc: Document, selector: string): string[] =>
  [...doc.querySelectorAll(selector)].map((el) =>
    el.children.length
      ? [...el.children].map((c) => (c.textContent ?? '').trim()).join(' | ')
      : (el.textContent ?? '').trim(),
  );

describe('ModelReport', () => {
  it('shows what the model is, in numbers people read', () => {
    const doc = renderReport(info);
    expect(texts(doc, 'h2')).toEqual(['LoRA for Stable Diffusion XL (base)']);
    expect(texts(doc, 'tbody tr')).toEqual([
      'UNet | 23.0 M | 2166 | F16 ×1444, F32 ×722',
      'Text encoder | — | — | not in this model',
    ]);
    expect(texts(doc, '.facts div')).toContain('Layout | LoRA adapter');
    expect(texts(doc, '.facts div')).toContain('Modules | 722 (UNet 722, text encoder 0)');
    expect(texts(doc, '.warnings li')).toEqual(['unet: 3 keys have unexpected shapes']);
    expect(texts(doc, '.evidence li')).toEqual(['LoRA keys use kohya naming']);
  });

  it('leaves out the LoRA and warning sections for a plain checkpoint', () => {
    const doc = renderReport({ ...info, layout: 'single-file', lora: null, warnings: [] });
    expect(texts(doc, 'h3')).toEqual(['Components', 'Why Tessera thinks so']);
  });
});

describe('ModelReport on inspected models', () => {
  let dir = '';
  let paths: Record<string, string> = {};
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-report-'));
    paths = await makeTinyCheckpoints(join(dir, 'm'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts a derived architecture and shows it', async () => {
    const doc = renderReport(await inspectModel(paths['tiny-distilled-diffusers']));
    expect(doc.querySelector('[data-testid="model-refusal"]')).toBeNull();
    expect(texts(doc, 'h3')).toContain('Architecture');
    expect(texts(doc, '.architecture li').join('\n')).toMatch(
      /transformer depth per level 1\/0\/1, heads 2\/-\/2, no mid block/,
    );
  });

  it('refuses an architecture it cannot build, saying why', async () => {
    const folder = join(dir, 'simple-cross-attn');
    const unet = {
      ...diffusersUNetConfig(FAMILIES['tiny-sd1'].unet),
      down_block_types: ['SimpleCrossAttnDownBlock2D', 'DownBlock2D', 'DownBlock2D'],
    };
    for (const c of ['unet', 'text_encoder']) await mkdir(join(folder, c), { recursive: true });
    await writeFile(join(folder, 'unet', 'config.json'), JSON.stringify(unet));
    await writeFile(
      join(folder, 'text_encoder', 'config.json'),
      JSON.stringify(clipTextConfig(FAMILIES['tiny-sd1'].textEncoders[0])),
    );
    const info = await inspectModel(folder);
    expect(info.architecture).toEqual([]);
    const doc = renderReport(info);
    expect(texts(doc, '[data-testid="model-refusal"]')).toEqual([
      'Tessera cannot train on this model: unet/config.json: down block type SimpleCrossAttnDownBlock2D is not supported.',
    ]);
  });
});
