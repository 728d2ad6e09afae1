// The result panel renders a ModelInfo: label, facts, components, LoRA details, warnings and evidence.
// NOTE: vitest.config.ts resolves Svelte for the server, so this renders with svelte/server and reads the
// HTML in jsdom (mounting interactively would need the svelteTesting() Vite plugin in the config).
import { JSDOM } from 'jsdom';
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import type { ModelInfo } from '../../../../src-main/api/contract';
import ModelReport from '../../../../src-renderer/screens/start/ModelReport.svelte';

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
