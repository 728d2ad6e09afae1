// The Dataset screen's grid and crop preview, rendered with svelte/server and read in jsdom (see
// model-report.test.ts for why): 5,000 images give a bounded number of cells; the crop box sits where the plan says.
import { JSDOM } from 'jsdom';
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import type { DatasetImage } from '../../../../src-main/api/contract';
import { thumbHttpUrl } from '../../../../src-main/api/thumb-url';
import { Services } from '../../../../src-main/core/services';
import type { Transport } from '../../../../src-renderer/lib/api/client';
import { DatasetState } from '../../../../src-renderer/lib/state/dataset.svelte';
import CropPreview from '../../../../src-renderer/screens/dataset/CropPreview.svelte';
import ImageGrid from '../../../../src-renderer/screens/dataset/ImageGrid.svelte';

const transport: Transport = {
  kind: 'http',
  call: () => Promise.reject(new Error('not called while rendering')),
  onEvent: () => () => undefined,
  pathForFile: () => null,
  thumbUrl: (path) => thumbHttpUrl(path, 'tok'),
  upload: null,
};

function image(i: number, caption = ''): DatasetImage {
  const rel = `img-${i}.png`;
  return {
    rel,
    path: `/p/dataset/${rel}`,
    caption,
    tags: caption ? [caption] : [],
    width: 768,
    height: 512,
    repeats: 1,
    hash: String(i),
    bucket: { width: 640, height: 384 },
    crop: { left: 0, top: 25, width: 768, height: 460 },
    problem: i === 1 ? 'not an image' : null,
  };
}

const dom = (html: string): Document => new JSDOM(html).window.document;

describe('ImageGrid', () => {
  it('puts only the visible rows of 5,000 images in the DOM', () => {
    const dataset = new DatasetState(new Services({ mode: 'web', watch: false }), '/p');
    dataset.images = Array.from({ length: 5000 }, (_, i) => image(i, i % 2 ? 'ink' : ''));
    dataset.click('img-0.png', { shift: false, toggle: false });
    const doc = dom(render(ImageGrid, { props: { dataset, transport } }).body);
    const cells = doc.querySelectorAll('[role="option"]');
    expect(cells.length).toBeGreaterThan(0);
    expect(cells.length).toBeLessThanOrEqual(40);
    expect(cells[0].getAttribute('aria-selected')).toBe('true');
    expect(cells[0].querySelector('img')?.getAttribute('src')).toBe(
      '/api/thumb?path=%2Fp%2Fdataset%2Fimg-0.png&token=tok',
    );
    expect(cells[0].textContent).toContain('no caption');
    expect(cells[1].textContent).toContain('Unreadable');
    const spacer = doc.querySelector<HTMLElement>('.spacer');
    expect(spacer?.getAttribute('style')).toMatch(/height: \d{5,}px/);
  });
});

describe('CropPreview', () => {
  it('draws the kept region over the image, in percent of its size', () => {
    const doc = dom(render(CropPreview, { props: { image: image(0), src: '/t.webp' } }).body);
    const style = doc.querySelector('[data-testid="crop-box"]')?.getAttribute('style') ?? '';
    expect(style).toContain('left: 0.00%');
    expect(style).toContain('top: 4.88%');
    expect(style).toContain('height: 89.84%');
    expect(doc.body.textContent).toMatch(/768×512 → bucket 640×384/);
  });
});
