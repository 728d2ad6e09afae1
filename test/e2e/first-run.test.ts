// End to end in web mode, as an artist's first hour starts, at 1280×800 and at 900×600: drop images on the
// Start screen (real drag & drop events carrying files) → a project appears in the projects folder with them;
// pick the base model found in a ComfyUI folder → Train with the recommended preset → the dashboard is on
// screen without scrolling; "Stop and save" → stopped and saved, no ETA, the Export screen offers the
// adapter. Then the states of a stopped server and of a page without its token. Debian's Chromium against the
// real server, renderer build and forked trainer worker.
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTinyCheckpoints } from '../../scripts/make-tiny-checkpoints';
import { Services } from '../../src-main/core/services';
import { startServer, type RunningServer } from '../../src-main/server/http';
import { canvas, tempDir } from '../dataset/make-images';
import { BPE_PATH } from '../fixtures/tokenizer';
import { collectPageErrors, launchChromium } from './browser';
import { ensureRendererBuild } from './renderer-build';

const SIZES = [
  { width: 1280, height: 800 },
  { width: 900, height: 600 },
] as const;
const SHOTS = 'docs/screenshots';

let dir: string;
let cleanup: () => Promise<void>;
let rendererDir: string;
let server: RunningServer;
let browser: Browser;
let projectsDir: string;
let cacheDir: string;
let comfyModel: string;
let images: { name: string; base64: string }[] = [];
const savedEnv = process.env.TESSERA_COMFYUI_DIRS;

function webServices(appData: string): Services {
  return new Services({ mode: 'web', watch: false, cacheDir, projectsDir, appDataDir: join(dir, appData) });
}

/** A page that records console errors (failed image loads aside: thumbnails of a stopped server, say). */
async function openPage(size: { width: number; height: number }): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: size, colorScheme: 'light' });
  const errors: string[] = [];
  collectPageErrors(page, errors);
  return { page, errors };
}

/** Whether the whole element lies inside the window as it is now, without scrolling. */
async function onScreen(page: Page, locator: Locator): Promise<boolean> {
  const box = await locator.boundingBox();
  const view = page.viewportSize()!;
  return (
    box !== null &&
    box.x >= 0 &&
    box.y >= 0 &&
    box.x + box.width <= view.width + 0.5 &&
    box.y + box.height <= view.height + 0.5
  );
}

const scrollsSideways = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);

/** Drags the images onto the page and drops them, with the files in the DataTransfer as a file manager does. */
async function dropImages(page: Page, on: Locator): Promise<void> {
  const transfer = await page.evaluateHandle((files) => {
    const data = new DataTransfer();
    for (const f of files) {
      const bytes = Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0));
      data.items.add(new File([bytes], f.name, { type: 'image/png' }));
    }
    return data;
  }, images);
  await on.dispatchEvent('dragenter', { dataTransfer: transfer });
  await on.dispatchEvent('dragover', { dataTransfer: transfer });
  await on.dispatchEvent('drop', { dataTransfer: transfer });
}

const tab = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name, exact: true });

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('e2e-first-run'));
  let models: Record<string, string>;
  [rendererDir, models] = await Promise.all([
    ensureRendererBuild(),
    makeTinyCheckpoints(join(dir, 'models')),
  ]);
  // Another app's model folder, found the way the Start screen finds ComfyUI installs.
  const checkpoints = join(dir, 'ComfyUI', 'models', 'checkpoints');
  await mkdir(checkpoints, { recursive: true });
  comfyModel = join(checkpoints, 'tiny-sd1.safetensors');
  await copyFile(models['tiny-sd1']!, comfyModel);
  process.env.TESSERA_COMFYUI_DIRS = join(dir, 'ComfyUI');
  cacheDir = join(dir, 'cache');
  await mkdir(cacheDir);
  await copyFile(BPE_PATH, join(cacheDir, 'bpe_simple_vocab_16e6.txt.gz'));
  projectsDir = join(dir, 'Tessera Projects');
  // 256 px: the import's default floor for the shorter side.
  images = await Promise.all(
    [0, 1, 2].map(async (i) => ({
      name: `ink-${i}.png`,
      base64: (
        await canvas(256, 256, i + 1)
          .png()
          .toBuffer()
      ).toString('base64'),
    })),
  );
  server = await startServer({ rendererDir, services: webServices('app-data') });
  browser = await launchChromium();
  await mkdir(SHOTS, { recursive: true });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  server?.services.dispose();
  if (savedEnv === undefined) delete process.env.TESSERA_COMFYUI_DIRS;
  else process.env.TESSERA_COMFYUI_DIRS = savedEnv;
  await cleanup?.();
});

describe.each(SIZES.map((size, i) => ({ ...size, project: `Untitled style ${i + 1}` })))(
  'the first run at $width×$height',
  ({ width, height, project }) => {
    let page: Page;
    let errors: string[];
    const size = `${width}x${height}`;

    it('drop images anywhere on the Start screen: a new project in the projects folder, with them', async () => {
      ({ page, errors } = await openPage({ width, height }));
      await page.goto(server.url);
      await page.getByRole('heading', { name: 'Start a new style' }).waitFor();
      await expect.poll(() => page.getByTestId('projects-folder').textContent()).toBe(projectsDir);
      expect(await scrollsSideways(page)).toBe(false);
      await page.screenshot({ path: `${SHOTS}/start-${size}.png` });
      // Dropped on the environment panel, far from any drop zone: anywhere on the window works.
      await dropImages(page, page.getByRole('heading', { name: 'This computer', exact: true }));
      await page.getByRole('heading', { name: 'Dataset' }).waitFor();
      await expect
        .poll(() => page.getByTestId('import-report').textContent(), { timeout: 60_000 })
        .toMatch(/Imported 3 image\(s\); skipped 0/);
      for (const image of images)
        expect(existsSync(join(projectsDir, project, 'dataset', image.name))).toBe(true);
      await expect.poll(() => page.locator('header .project').textContent()).toBe(project);
      expect(await scrollsSideways(page)).toBe(false);
      await page.screenshot({ path: `${SHOTS}/first-run-dataset-${size}.png` });
    }, 120_000);

    it('pick the base model found in the ComfyUI folder, then Train', async () => {
      await tab(page, 'Start').click();
      const found = page.getByRole('region', { name: 'Found on this computer' });
      await found.getByRole('button', { name: /tiny-sd1\.safetensors/ }).click();
      const base = page.getByTestId('project-base-model');
      await expect.poll(() => base.textContent(), { timeout: 60_000 }).toContain(comfyModel);
      expect(await found.getByRole('button', { name: /tiny-sd1/ }).getAttribute('aria-pressed')).toBe('true');
      expect(
        JSON.parse(await readFile(join(projectsDir, project, 'project.json'), 'utf8')).baseModelPath,
      ).toBe(comfyModel);
      await page.screenshot({ path: `${SHOTS}/first-run-model-${size}.png` });
      await base.getByRole('button', { name: 'Train' }).click();
      await page.getByRole('heading', { name: 'Train', exact: true }).waitFor();
    }, 120_000);

    it('Train with the recommended preset: the dashboard opens, all of it on screen', async () => {
      // The preset comes from the model's family and the dataset's size, and says why.
      const explained = page.getByTestId('preset-explained');
      await expect
        .poll(() => explained.textContent(), { timeout: 60_000 })
        .toMatch(
          /Recommended: SD1\.5 style for 3 images: 400 steps \(the least that learns a style\) at 64 px/,
        );
      const chosen = page.getByRole('button', { name: 'SD1.5 style' });
      await expect.poll(() => chosen.getAttribute('aria-pressed'), { timeout: 60_000 }).toBe('true');
      await expect
        .poll(() => page.locator('.plan strong').textContent(), { timeout: 60_000 })
        .toBe('400 steps');
      expect(await page.locator('.plan').textContent()).toMatch(/3 images \(0 captioned\) in 1 bucket ·/);
      await page.screenshot({ path: `${SHOTS}/train-settings-${size}.png` });
      await page.getByRole('button', { name: 'Start training' }).click();
      const dashboard = page.getByTestId('dashboard');
      await dashboard.waitFor();
      await page.getByText(/^Step$/).waitFor({ timeout: 120_000 });
      expect(await page.evaluate(() => window.scrollY)).toBe(0);
      for (const part of [
        dashboard.getByRole('heading', { name: 'my-style' }),
        dashboard.getByRole('progressbar'),
        dashboard.getByRole('button', { name: 'Stop and save' }),
        dashboard.getByRole('button', { name: 'Pause' }),
        dashboard.getByTestId('eta'),
        dashboard.getByRole('heading', { name: 'Previews' }),
        page.getByTestId('settings-summary'),
      ])
        expect(await onScreen(page, part), String(part)).toBe(true);
      expect(await page.getByTestId('settings-summary').textContent()).toContain(
        'SD1.5 style · rank 16 · 64 px',
      );
      expect(await scrollsSideways(page)).toBe(false);
      await page.screenshot({ path: `${SHOTS}/train-dashboard-${size}.png` });
      // "Save now": a checkpoint adapter after the current step, and the run goes on.
      await dashboard.getByRole('button', { name: 'Save now' }).click();
      await expect
        .poll(() => page.getByText(/^Latest adapter:/).textContent(), { timeout: 60_000 })
        .toMatch(/my-style-step\d+\.safetensors/);
      // Paused, so a fast machine cannot finish the run before the test stops it.
      await dashboard.getByRole('button', { name: 'Pause' }).click();
      await expect.poll(() => dashboard.getByRole('status').first().textContent()).toBe('Paused');
      expect(await page.getByTestId('eta').count()).toBe(0);
      // The header follows the run from every screen, and leads back to the dashboard.
      await tab(page, 'Dataset').click();
      const indicator = page.getByRole('button', { name: 'Show the training dashboard' });
      expect(await onScreen(page, indicator)).toBe(true);
      expect(await indicator.textContent()).toContain('Paused my-style');
      await page.screenshot({ path: `${SHOTS}/train-indicator-${size}.png` });
      await indicator.click();
      await dashboard.waitFor();
    }, 180_000);

    it('Stop and save: says stopped and saved, no ETA, and the Export screen offers the adapter', async () => {
      await page.getByTestId('dashboard').getByRole('button', { name: 'Stop and save' }).click();
      const status = page.getByTestId('dashboard').getByRole('status').first();
      await expect.poll(() => status.textContent(), { timeout: 120_000 }).toBe('Stopped, adapter saved');
      expect(await page.getByTestId('eta').count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Show the training dashboard' }).count()).toBe(0);
      const saved = (await page
        .getByText(/^Saved adapter:/)
        .locator('code')
        .textContent())!;
      expect(saved).toMatch(new RegExp(`/${project}/runs/my-style-[\\d-]+/my-style\\.safetensors$`));
      expect(existsSync(saved)).toBe(true);
      await page.screenshot({ path: `${SHOTS}/train-stopped-${size}.png` });
      await tab(page, 'Export').click();
      expect(await page.getByLabel('Adapter from a run').inputValue()).toBe(saved);
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth)).toBe(true);
      await page.screenshot({ path: `${SHOTS}/export-${size}.png` });
      // The choices were saved in the project: they come back when it is opened again.
      const file = JSON.parse(await readFile(join(projectsDir, project, 'project.json'), 'utf8'));
      expect(file.training).toMatchObject({
        presetId: 'sd15-style',
        config: { resolution: 64, maxSteps: 400 },
      });
      expect(errors).toEqual([]);
      await page.close();
    }, 180_000);
  },
);

describe('when Tessera cannot answer', () => {
  it('says once that the server stopped, and disables the forms', async () => {
    const short = await startServer({ rendererDir, services: webServices('app-data-2') });
    const { page } = await openPage(SIZES[0]);
    await page.goto(short.url);
    await page.getByRole('heading', { name: 'Start a new style' }).waitFor();
    await short.close();
    short.services.dispose();
    const banner = page.getByRole('alert').filter({ hasText: "Tessera's server stopped." });
    await banner.waitFor({ timeout: 30_000 });
    expect(await banner.textContent()).toContain('npm run serve');
    expect(await page.getByRole('alert').count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Choose images…' }).isDisabled()).toBe(true);
    expect(await page.getByLabel('Project folder', { exact: true }).isDisabled()).toBe(true);
    await page.screenshot({ path: `${SHOTS}/start-server-stopped-1280x800.png` });
    await page.close();
  }, 60_000);

  it('says once that the page has no token, and disables the forms', async () => {
    const { page } = await openPage(SIZES[1]);
    await page.goto(server.origin);
    const banner = page.getByRole('alert').filter({ hasText: 'This page needs its access token.' });
    await banner.waitFor({ timeout: 30_000 });
    expect(await page.getByRole('alert').count()).toBe(1);
    expect(await page.getByText(/could not be loaded/).count()).toBe(0);
    expect(await page.getByLabel('Project folder', { exact: true }).isDisabled()).toBe(true);
    expect(await scrollsSideways(page)).toBe(false);
    await page.screenshot({ path: `${SHOTS}/start-no-token-900x600.png` });
    await page.close();
  }, 60_000);
});
