// End to end in web mode, Chromium against the real server, renderer build and trainer worker: import two
// images (one captioned) → download the captioning model from a local hub only when asked → preview (nothing
// written) → caption all in replace mode with a prefix → the kohya sidecars hold the tagger's tags → one Undo
// restores every caption. The tagger is the project's own tiny WD tagger with random weights.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogueEntry } from '../../src-main/caption/catalogue';
import { Services } from '../../src-main/core/services';
import { readCaptionFile } from '../../src-main/dataset/captions';
import { startServer, type RunningServer } from '../../src-main/server/http';
import { tempDir } from '../dataset/make-images';
import { startHubServer, type HubServer } from '../fixtures/hub-server';
import { makeTinyWdTagger } from '../fixtures/tiny-wd-tagger';
import { collectPageErrors, launchChromium } from './browser';
import { ensureRendererBuild } from './renderer-build';

const SCREENSHOT = 'docs/screenshots/caption-images.png';
const MODEL = 'wd-swinv2-v3';

let dir: string;
let cleanup: () => Promise<void>;
let hub: HubServer;
let server: RunningServer;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

const sidecar = (name: string) => readCaptionFile(join(dir, 'Proj', 'dataset', name));

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('e2e-caption'));
  const inbox = join(dir, 'inbox');
  await mkdir(inbox);
  for (const [name, background] of [
    ['red.png', '#ff0000'],
    ['blue.png', '#0000ff'],
  ] as const)
    await sharp({ create: { width: 320, height: 256, channels: 3, background } })
      .png()
      .toFile(join(inbox, name));
  await writeFile(join(inbox, 'blue.txt'), 'my own words');
  const tagger = await makeTinyWdTagger(join(dir, 'tagger'), { seed: 7 });
  const entry = catalogueEntry(MODEL);
  hub = await startHubServer(
    await Promise.all(
      ['model.onnx', 'selected_tags.csv'].map(async (path) => ({
        repo: entry.repo,
        path,
        bytes: await readFile(join(tagger, path)),
      })),
    ),
  );
  const rendererDir = await ensureRendererBuild();
  const services = new Services({
    mode: 'web',
    appDataDir: join(dir, 'app-data'),
    cacheDir: join(dir, 'cache'),
    modelHub: hub.url,
  });
  server = await startServer({ rendererDir, services });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, colorScheme: 'light' });
  collectPageErrors(page, consoleErrors);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await hub?.close();
  await cleanup?.();
});

describe('Caption images (web mode)', () => {
  it('imports two images into a new project', async () => {
    await page.goto(server.url);
    await page.getByLabel('Project folder', { exact: true }).fill(join(dir, 'Proj'));
    await page.getByLabel('Name (for a new project)').fill('Proj');
    await page.getByRole('button', { name: 'New project' }).click();
    await page.getByRole('heading', { name: 'Dataset' }).waitFor();
    await page.getByLabel(/Files or folders to import/).fill(join(dir, 'inbox'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await expect
      .poll(() => page.getByRole('listbox', { name: 'Dataset images' }).getByRole('option').count())
      .toBe(2);
  });

  it('downloads the model only when the user asks', async () => {
    await page.getByRole('button', { name: 'Auto-caption' }).click();
    const model = page.getByLabel('Model', { exact: true });
    await expect.poll(() => model.inputValue()).toBe(MODEL);
    expect(hub.log).toEqual([]);
    await page.getByRole('button', { name: /^Download/ }).click();
    await expect.poll(() => model.locator('option:checked').textContent()).toContain('(downloaded)');
    expect(hub.log.some((line) => line.includes('model.onnx'))).toBe(true);
    expect(await page.getByRole('button', { name: /^Download/ }).count()).toBe(0);
  });

  it('previews captions without writing them', async () => {
    await page.getByRole('radio', { name: 'All' }).check();
    await page.getByLabel('Mode', { exact: true }).selectOption('replace');
    await page.getByText('Tagger options').click();
    await page.getByLabel('Prefix (kept first)').fill('inkstyle');
    await page.getByRole('button', { name: 'Preview' }).click();
    const preview = page.getByRole('list', { name: 'Caption preview' });
    await expect.poll(() => preview.getByRole('listitem').count(), { timeout: 60_000 }).toBe(2);
    expect(await preview.textContent()).toContain('→ inkstyle');
    expect(await sidecar('red.txt')).toBeNull();
    expect(await sidecar('blue.txt')).toBe('my own words');
  });

  it('captions every image, then one Undo restores them all', async () => {
    await page.getByRole('button', { name: 'Caption images' }).click();
    const done = page.getByText(/Captioned\s+2 of 2 image\(s\); 2 caption\(s\) changed/);
    await done.waitFor({ timeout: 60_000 });
    const red = await sidecar('red.txt');
    const blue = await sidecar('blue.txt');
    expect(red).toMatch(/^inkstyle(, |$)/);
    expect(blue).toMatch(/^inkstyle(, |$)/);
    expect(blue).not.toContain('my own words');
    expect(await page.getByRole('list', { name: 'Caption preview' }).count()).toBe(0); // the preview is gone
    await page.screenshot({ path: SCREENSHOT });

    await page.getByRole('button', { name: 'Undo (1)' }).click();
    await expect.poll(() => sidecar('blue.txt')).toBe('my own words');
    expect(await sidecar('red.txt')).toBeNull();
    expect(consoleErrors).toEqual([]);
  });
});
