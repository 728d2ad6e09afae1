// End to end in web mode at 1280×800, 900×600 and 4K, Debian's Chromium against the real server and renderer build:
// what a person checks on the Dataset screen. Clicking an image shows its caption editor on screen (a side panel,
// or a drawer on the narrow window), typed captions survive switching images, the keyboard walks the grid
// (arrows, Enter, Ctrl+S, Esc), the import browser lists images and picks single files, then closes; the page
// never scrolls sideways, and the console stays clean.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src-main/server/http';
import { canvas, tempDir } from '../dataset/make-images';
import { collectPageErrors, launchChromium } from './browser';
import { ensureRendererBuild } from './renderer-build';

const SIZES = [
  { width: 1280, height: 800 },
  { width: 900, height: 600 },
  { width: 3840, height: 2160 },
] as const;
const NAMES = ['a.png', 'b.png', 'c.png', 'd.png', 'e.png', 'f.png'];

let dir: string;
let cleanup: () => Promise<void>;
let server: RunningServer;
let browser: Browser;

async function makeProject(root: string): Promise<void> {
  await mkdir(join(root, 'dataset'), { recursive: true });
  await writeFile(join(root, 'project.json'), JSON.stringify({ version: 1, name: 'Layout' }));
  for (const [i, name] of NAMES.entries())
    await canvas(512 + 64 * (i % 3), 512, i + 1)
      .png()
      .toFile(join(root, 'dataset', name));
  await writeFile(join(root, 'dataset', 'b.txt'), 'a hill');
}

async function makeInbox(inbox: string): Promise<void> {
  await mkdir(inbox, { recursive: true });
  for (const [i, name] of ['new-1.png', 'new-2.jpg'].entries())
    await canvas(400, 300, 20 + i).toFile(join(inbox, name));
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('e2e-dataset-layout'));
  const [rendererDir] = await Promise.all([
    ensureRendererBuild(),
    ...SIZES.map((s) => makeProject(join(dir, `P${s.width}`))),
    makeInbox(join(dir, 'inbox')),
  ]);
  server = await startServer({ rendererDir, appDataDir: join(dir, 'app-data') });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await cleanup?.();
});

/** True when every part of the element lies inside the window. */
async function onScreen(page: Page, selector: ReturnType<Page['locator']>): Promise<boolean> {
  const box = await selector.boundingBox();
  const view = page.viewportSize()!;
  return (
    box !== null &&
    box.x >= 0 &&
    box.y >= 0 &&
    box.x + box.width <= view.width &&
    box.y + box.height <= view.height
  );
}

const scrollsSideways = (page: Page): Promise<boolean> =>
  page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);

for (const size of SIZES) {
  describe(`Dataset screen at ${size.width}×${size.height}`, () => {
    let page: Page;
    const consoleErrors: string[] = [];
    const project = () => join(dir, `P${size.width}`);
    const caption = (name: string) => readFile(join(project(), 'dataset', name), 'utf8');
    const options = () => page.getByRole('listbox', { name: 'Dataset images' }).getByRole('option');
    const editor = () => page.getByLabel(/^Caption of/);

    beforeAll(async () => {
      page = await browser.newPage({ viewport: size, colorScheme: 'light' });
      collectPageErrors(page, consoleErrors);
    });

    it('opens the project with the grid in view and no sideways scrolling', async () => {
      await page.goto(server.url);
      await page.getByLabel('Project folder', { exact: true }).fill(project());
      await page.getByRole('button', { name: 'Open project' }).click();
      await expect.poll(() => options().count()).toBe(NAMES.length);
      // A dataset with images opens with the import form closed: the grid has the room.
      expect(await page.getByLabel(/Files or folders to import/).count()).toBe(0);
      const grid = page.getByRole('listbox', { name: 'Dataset images' });
      expect((await grid.boundingBox())!.height).toBeGreaterThan(size.height * 0.5);
      expect(await scrollsSideways(page)).toBe(false);
      // The search box is wide enough for its placeholder.
      const search = page.getByRole('searchbox', { name: 'Search names and captions' });
      const fits = await search.evaluate((el: HTMLInputElement) => {
        const ctx = document.createElement('canvas').getContext('2d')!;
        ctx.font = getComputedStyle(el).font;
        const style = getComputedStyle(el);
        const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        return ctx.measureText(el.placeholder).width <= room;
      });
      expect(fits).toBe(true);
    });

    it('shows the caption editor on screen when an image is clicked', async () => {
      await options().filter({ hasText: 'a.png' }).click();
      await editor().waitFor({ state: 'visible' });
      await expect.poll(() => onScreen(page, editor())).toBe(true);
      expect(await page.getByTestId('crop-box').isVisible()).toBe(true);
    });

    it('keeps typed captions when switching images, by mouse', async () => {
      await editor().fill('a red fox, snow');
      // On the narrow window the drawer covers the grid's right side; Esc gives the grid back.
      await page.keyboard.press('Escape');
      await options().filter({ hasText: 'b.png' }).click();
      await expect.poll(() => editor().inputValue()).toBe('a hill');
      await expect.poll(() => caption('a.txt')).toBe('a red fox, snow');
      await page.keyboard.press('Escape');
      await options().filter({ hasText: 'a.png' }).click();
      await expect.poll(() => editor().inputValue()).toBe('a red fox, snow');
    });

    it('walks the grid with the keyboard: arrows select, Enter edits, Ctrl+S saves, Esc closes', async () => {
      await page.keyboard.press('Escape');
      await page.getByRole('listbox', { name: 'Dataset images' }).focus();
      await page.keyboard.press('ArrowRight');
      await expect.poll(() => page.getByText('Caption of b.png').count()).toBe(1);
      await page.keyboard.press('ArrowRight');
      await expect.poll(() => page.getByText('Caption of c.png').count()).toBe(1);
      await page.keyboard.press('Enter');
      await expect.poll(() => editor().evaluate((el) => el === document.activeElement)).toBe(true);
      await expect.poll(() => onScreen(page, editor())).toBe(true);
      await page.keyboard.type('ink, a boat');
      await page.keyboard.press('Control+s');
      await expect.poll(() => caption('c.txt')).toBe('ink, a boat');
      await page.keyboard.press('Escape');
      if (size.width < 1200) await expect.poll(() => editor().isVisible()).toBe(false);
      else expect(await editor().isVisible()).toBe(true); // the side panel stays on wide windows
      // Typing then leaving the box saves too (blur), with no button pressed.
      await options().filter({ hasText: 'd.png' }).click();
      await editor().fill('a tower');
      await page.getByRole('searchbox', { name: 'Search names and captions' }).focus();
      await expect.poll(() => caption('d.txt')).toBe('a tower');
      await page.keyboard.press('Escape');
    });

    it('imports a single image picked in the browser, then closes the browser and the form', async () => {
      await page.getByRole('button', { name: 'Add images' }).click();
      const paths = page.getByLabel(/Files or folders to import/);
      await paths.fill(join(dir, 'inbox'));
      await page.getByRole('button', { name: 'Browse for images to import' }).click();
      const browserPanel = page.getByRole('region', { name: 'Folder browser' });
      await browserPanel.getByText('new-1.png').waitFor();
      expect(await browserPanel.getByText('No folders or model files here.').count()).toBe(0);
      expect(await browserPanel.getByText('2 image(s) here').count()).toBe(1);
      await page.getByRole('button', { name: 'Leave out this folder' }).click();
      await browserPanel.getByRole('button', { name: /new-2\.jpg/ }).click();
      expect(await paths.inputValue()).toBe(join(dir, 'inbox', 'new-2.jpg'));
      await page.screenshot({ path: `docs/screenshots/dataset-import-${size.width}x${size.height}.png` });
      await page.getByRole('button', { name: 'Import', exact: true }).click();
      const report = page.getByTestId('import-report');
      await expect.poll(() => report.textContent()).toMatch(/Imported 1 image\(s\); skipped 0/);
      await expect.poll(() => options().count()).toBe(NAMES.length + 1);
      expect(await page.getByRole('region', { name: 'Folder browser' }).count()).toBe(0);
      expect(await paths.count()).toBe(0);
      // The report is one line: the grid keeps most of the height.
      expect((await report.boundingBox())!.height).toBeLessThan(60);
      expect(await scrollsSideways(page)).toBe(false);
    });

    it('looks right with an image open, and ran without console errors', async () => {
      await options().filter({ hasText: 'a.png' }).click();
      await editor().waitFor({ state: 'visible' });
      await expect
        .poll(() => onScreen(page, page.getByRole('complementary', { name: 'Selected image' })))
        .toBe(true);
      await mkdir('docs/screenshots', { recursive: true });
      await page.screenshot({ path: `docs/screenshots/dataset-${size.width}x${size.height}.png` });
      expect(await scrollsSideways(page)).toBe(false);
      expect(consoleErrors).toEqual([]);
    });
  });
}
