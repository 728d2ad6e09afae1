// End to end in web mode, Debian's Chromium against the real server and renderer build: create a project,
// import a folder of generated images (one corrupt → the skipped report), edit a caption, filter uncaptioned,
// bulk-add a trigger word; then a 5,000-image dataset keeps only a bounded number of grid cells in the DOM.
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src-main/server/http';
import { canvas, tempDir } from '../dataset/make-images';
import { collectPageErrors, launchChromium } from './browser';
import { ensureRendererBuild } from './renderer-build';

const SCREENSHOT = 'docs/screenshots/dataset-screen.png';
const BIG = 5000;

let dir: string;
let cleanup: () => Promise<void>;
let server: RunningServer;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

async function makeInbox(inbox: string): Promise<void> {
  await mkdir(inbox, { recursive: true });
  await canvas(768, 512, 1).png().toFile(join(inbox, 'a.png'));
  await canvas(512, 768, 2).jpeg().toFile(join(inbox, 'b.jpg'));
  await canvas(640, 640, 3).webp().toFile(join(inbox, 'c.webp'));
  await canvas(600, 400, 4).png().toFile(join(inbox, 'd.png'));
  await writeFile(join(inbox, 'd.txt'), 'landscape, hills');
  await writeFile(join(inbox, 'broken.jpg'), 'this is not a JPEG');
}

async function makeBigProject(root: string): Promise<void> {
  await mkdir(join(root, 'dataset'), { recursive: true });
  await writeFile(join(root, 'project.json'), JSON.stringify({ version: 1, name: 'Big' }));
  const first = join(root, 'dataset', 'img-0000.png');
  await canvas(256, 256, 5).png().toFile(first);
  for (let i = 1; i < BIG; i++)
    await copyFile(first, join(root, 'dataset', `img-${String(i).padStart(4, '0')}.png`));
}

const caption = (name: string): Promise<string> => readFile(join(dir, 'Proj', 'dataset', name), 'utf8');
const options = (): ReturnType<Page['getByRole']> =>
  page.getByRole('listbox', { name: 'Dataset images' }).getByRole('option');

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('e2e-dataset'));
  const [rendererDir] = await Promise.all([
    ensureRendererBuild(),
    makeInbox(join(dir, 'inbox')),
    makeBigProject(join(dir, 'Big')),
  ]);
  server = await startServer({ rendererDir, appDataDir: join(dir, 'app-data') });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 }, colorScheme: 'light' });
  collectPageErrors(page, consoleErrors);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await cleanup?.();
});

describe('Dataset screen (web mode)', () => {
  it('creates a project and lands on its empty dataset', async () => {
    await page.goto(server.url);
    await page.getByLabel('Project folder', { exact: true }).fill(join(dir, 'Proj'));
    await page.getByLabel('Name (for a new project)').fill('Proj');
    await page.getByRole('button', { name: 'New project' }).click();
    await page.getByRole('heading', { name: 'Dataset' }).waitFor();
    expect(existsSync(join(dir, 'Proj', 'project.json'))).toBe(true);
  });

  it('imports a folder, reporting the corrupt file as skipped', async () => {
    await page.getByLabel(/Files or folders to import/).fill(join(dir, 'inbox'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const report = page.getByTestId('import-report');
    await report.waitFor();
    expect(await report.textContent()).toMatch(/Imported 4 image\(s\); skipped 1/);
    expect(await report.getByRole('list', { name: 'Skipped files' }).textContent()).toContain('broken.jpg');
    await expect.poll(() => options().count()).toBe(4);
  });

  it('edits one caption beside the image and shows its crop', async () => {
    await options().filter({ hasText: 'a.png' }).click();
    await page.getByTestId('crop-box').waitFor();
    expect(await page.getByText('bucket 640×384').count()).toBe(1);
    await page.getByLabel(/Caption of/).fill('a red fox, snow');
    await page.getByRole('button', { name: 'Save caption' }).click();
    await expect.poll(() => caption('a.txt')).toBe('a red fox, snow');
    await expect.poll(() => page.getByText('Caption of a.png saved.').count()).toBe(1);
    await expect.poll(() => page.getByRole('list', { name: 'Tags' }).textContent()).toContain('red fox');
  });

  it('never drops typed text: selecting another image saves the caption being typed', async () => {
    const editor = page.getByLabel(/Caption of/);
    await editor.fill('a grey wolf');
    await options().filter({ hasText: 'd.png' }).click();
    await expect.poll(() => editor.inputValue()).toBe('landscape, hills');
    await expect.poll(() => caption('a.txt')).toBe('a grey wolf');
    await options().filter({ hasText: 'a.png' }).click();
    await expect.poll(() => editor.inputValue()).toBe('a grey wolf');
    await editor.fill('a red fox, snow');
    await options().filter({ hasText: 'd.png' }).click();
    await expect.poll(() => caption('a.txt')).toBe('a red fox, snow');
    expect(await caption('d.txt')).toBe('landscape, hills'); // the next image is untouched
    await options().filter({ hasText: 'a.png' }).click();
    await expect.poll(() => editor.inputValue()).toBe('a red fox, snow');
    expect(await page.getByRole('alert').count()).toBe(0); // every save succeeded, as far as the page knows
  });

  it('filters to uncaptioned images', async () => {
    await page.getByRole('button', { name: /^Uncaptioned/ }).click();
    await expect.poll(() => options().count()).toBe(2);
    expect(await options().allTextContents()).toEqual([
      expect.stringContaining('b.jpg'),
      expect.stringContaining('c.webp'),
    ]);
    await page.getByRole('button', { name: /^All/ }).click();
    await expect.poll(() => options().count()).toBe(4);
  });

  it('puts a trigger word first on every selected caption, and can undo it', async () => {
    await page.getByRole('listbox', { name: 'Dataset images' }).focus();
    await page.keyboard.press('Control+a');
    await expect.poll(() => page.getByText('4 selected').count()).toBe(1);
    await page.getByLabel('Trigger word').fill('mystyle');
    await page.getByRole('button', { name: 'Put first' }).click();
    await expect.poll(() => caption('d.txt')).toBe('mystyle, landscape, hills');
    expect(await caption('b.txt')).toBe('mystyle');
    // The open caption editor follows the bulk edit (it had no unsaved typing).
    await expect.poll(() => page.getByLabel(/Caption of/).inputValue()).toBe('mystyle, a red fox, snow');
    const freq = page.getByRole('list', { name: 'Tag frequency' });
    await expect.poll(() => freq.getByRole('button').first().textContent()).toMatch(/mystyle\s*4/);
    await page.screenshot({ path: SCREENSHOT });
    await page.getByRole('button', { name: 'Undo (1)' }).click();
    await expect.poll(() => caption('d.txt')).toBe('landscape, hills');
  });

  it('imports files dropped on the window (uploaded in web mode), with real drag & drop events', async () => {
    const png = (await canvas(520, 520, 6).png().toBuffer()).toString('base64');
    const dropped = await page.evaluateHandle(
      ({ png }) => {
        const transfer = new DataTransfer();
        const bytes = Uint8Array.from(atob(png), (c) => c.charCodeAt(0));
        transfer.items.add(new File([bytes], 'dropped.png', { type: 'image/png' }));
        transfer.items.add(new File(['garbage'], 'junk.png', { type: 'image/png' }));
        return transfer;
      },
      { png },
    );
    const target = page.getByRole('listbox', { name: 'Dataset images' });
    await target.dispatchEvent('dragenter', { dataTransfer: dropped });
    await target.dispatchEvent('dragover', { dataTransfer: dropped });
    await target.dispatchEvent('drop', { dataTransfer: dropped });
    const report = page.getByTestId('import-report');
    await expect.poll(() => report.textContent()).toMatch(/Imported 1 image\(s\); skipped 1/);
    // Named as dropped, not by its staging path on the server.
    expect(await report.getByRole('list', { name: 'Skipped files' }).textContent()).toMatch(/^junk\.png:/);
    await expect.poll(() => options().count()).toBe(5);
    expect(existsSync(join(dir, 'Proj', 'dataset', 'dropped.png'))).toBe(true);
  });

  it('keeps a 5,000-image grid to a bounded number of DOM cells while scrolling', async () => {
    await page.getByRole('button', { name: 'Start' }).click();
    await page.getByLabel('Project folder', { exact: true }).fill(join(dir, 'Big'));
    await page.getByRole('button', { name: 'Open project' }).click();
    await expect.poll(() => page.getByText(`${BIG} of ${BIG} shown`).count(), { timeout: 60_000 }).toBe(1);
    const grid = page.getByRole('listbox', { name: 'Dataset images' });
    await expect.poll(() => options().count()).toBeGreaterThan(0);
    expect(await options().count()).toBeLessThan(120);
    await grid.evaluate((el) => (el.scrollTop = el.scrollHeight / 2));
    await expect.poll(() => options().first().getAttribute('id')).not.toBe('cell-0');
    expect(await options().count()).toBeLessThan(120);
    const middle = Number((await options().first().getAttribute('id'))?.slice('cell-'.length));
    expect(middle).toBeGreaterThan(BIG / 2 - 200);
  });

  it('ran without console errors or CSP violations', () => {
    expect(consoleErrors).toEqual([]);
  });
});
