// End to end in web mode, Debian's Chromium against the real server, renderer build and forked worker with the
// tiny SD1 checkpoint: a 4-step run (checkpoints every 2 steps, previews), then the Style gallery answers "what
// does my style do, at which strength, from which checkpoint?": training's comparison and a new one rendered
// from the app show base and adapter images side by side with a before/after slider, the viewer shows an image
// fitted to the window with its PNG parameters, and a failed "try a prompt" says so in plain words next to
// Render. At 1280×800 and 900×600, without sideways scrolling or console errors.
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobInfo } from '../../src-main/api/training';
import type { Services } from '../../src-main/core/services';
import type { RunningServer } from '../../src-main/server/http';
import { tempDir } from '../dataset/make-images';
import { collectPageErrors, launchChromium } from './browser';
import { startInkWorkspace } from './ink-project';

let dir: string;
let cleanup: () => Promise<void>;
let server: RunningServer;
let services: Services;
let browser: Browser;
let page: Page;
let tinySd1: string;
let run: JobInfo;
const consoleErrors: string[] = [];

async function finished(id: string): Promise<JobInfo> {
  for (const end = Date.now() + 150_000; Date.now() < end;) {
    const job = (await services.listJobs()).find((j) => j.id === id);
    if (job && ['finished', 'failed', 'crashed', 'cancelled'].includes(job.status)) return job;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the training run did not end in time');
}

const scrollsSideways = (): Promise<boolean> =>
  page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('e2e-gallery'));
  ({ services, server, tinySd1 } = await startInkWorkspace(dir, 2));
  const job = await services.startTraining({
    modelPath: tinySd1,
    datasetDir: join(dir, 'Ink', 'dataset'),
    name: 'ink',
    runsDir: join(dir, 'Ink', 'runs'),
    config: { resolution: 64, maxSteps: 4, saveEverySteps: 2, sampleEverySteps: 2 },
    samplePrompts: ['ink style, a lighthouse --w 32 --h 32 --s 2 --d 7'],
  });
  run = await finished(job.id);
  if (run.status !== 'finished') throw new Error(`the tiny run ended ${run.status}`);
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  page = await context.newPage();
  collectPageErrors(page, consoleErrors);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  services?.dispose();
  await cleanup?.();
});

const sheet = () => page.getByTestId('comparison');

describe('Style gallery (web mode)', () => {
  it("shows training's comparison: base, checkpoints and the final adapter side by side", async () => {
    await page.goto(server.url);
    await page.getByLabel('Project folder', { exact: true }).fill(join(dir, 'Ink'));
    await page.getByRole('button', { name: 'Open project' }).click();
    await page.getByRole('heading', { name: 'Dataset' }).waitFor();
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Gallery' }).click();
    // The project's newest run is shown without typing its path.
    await sheet().waitFor();
    expect(await page.getByLabel('Run folder').inputValue()).toBe(run.runDir);
    const runs = page.getByRole('combobox', { name: 'Run', exact: true });
    expect(await runs.inputValue()).toBe(run.runDir);
    expect(await runs.locator('option').allTextContents()).toEqual([
      expect.stringMatching(/^ink-.* · 2 adapter\(s\)$/),
    ]);
    expect(await sheet().locator('thead th').allTextContents()).toEqual([
      'Prompt',
      'base',
      'step 2',
      'final ×0.5',
      'final ×1',
    ]);
    // One row: the base image left of the adapter images, all loaded.
    const images = sheet().locator('tbody tr').first().getByRole('img');
    expect(await images.count()).toBe(4);
    const boxes = await Promise.all((await images.all()).map((img) => img.boundingBox()));
    const xs = boxes.map((b) => b!.x);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    expect(new Set(boxes.map((b) => Math.round(b!.y))).size).toBe(1);
    for (const img of await images.all())
      await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(32);
    expect(await page.getByRole('button', { name: /^Open step \d+:/ }).count()).toBe(2);
  });

  it("compares the run's saved checkpoints with the base model", async () => {
    await page.getByRole('textbox', { name: 'Base model' }).fill(tinySd1);
    await page.getByLabel(/Prompts, one per line/).fill('ink style, a tree --w 32 --h 32 --s 2 --d 5');
    await page.getByRole('button', { name: 'Compare checkpoints' }).click();
    await expect
      .poll(() => sheet().locator('thead th').allTextContents(), { timeout: 120_000 })
      .toEqual(['Prompt', 'base', 'step 2', 'final']);
    expect(await sheet().locator('tbody img').count()).toBe(3);
    // Both comparisons of the run stay a choice away.
    expect(await page.getByLabel('Comparison').locator('option').count()).toBe(2);
  }, 150_000);

  it('renders a base-vs-adapter comparison at two strengths in the worker, with a before/after slider', async () => {
    await page.getByLabel(/Prompts, one per line/).fill('ink style, a boat --w 32 --h 32 --s 2 --d 3');
    await page.getByLabel('Strengths').fill('0.5, 1');
    await page.getByRole('button', { name: 'Compare strengths' }).click();
    await expect
      .poll(() => sheet().locator('thead th').allTextContents(), { timeout: 120_000 })
      .toEqual(['Prompt', 'base', 'final ×0.5', 'final ×1']);
    expect(await sheet().locator('tbody th').allTextContents()).toEqual(['ink style, a boat']);
    const slider = page.getByRole('slider', { name: 'Slide between base and final ×1' });
    await slider.waitFor();
    const figure = page.locator('figure.compare');
    const srcs = await figure
      .getByRole('img')
      .evaluateAll((els) => els.map((e) => (e as HTMLImageElement).src));
    expect(srcs[0]).toContain('r0-c0.png');
    expect(srcs[1]).toContain('r0-c2.png');
    await page.screenshot({ path: 'docs/screenshots/gallery-compare-1280x800.png', fullPage: true });
  }, 150_000);

  it('opens a cell full size, fitted to the window, with its parameters to copy', async () => {
    await page.getByRole('button', { name: 'Open ink style, a boat (final ×1)' }).click();
    const viewer = page.getByRole('dialog', { name: 'final ×1 · ink style, a boat' });
    await viewer.waitFor();
    const img = viewer.getByRole('img');
    await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(32);
    // A 32-pixel image is scaled to the window, not shown at actual size.
    const shown = await img.evaluate((el) => {
      const r = el.getBoundingClientRect();
      return Math.min(r.width, r.height);
    });
    expect(shown).toBeGreaterThan(400);
    const parameters = viewer.getByLabel('Parameters');
    await expect.poll(() => parameters.textContent()).toMatch(/^ink style, a boat <lora:ink:1>\n/);
    expect(await parameters.textContent()).toMatch(/Steps: 2, Sampler: .*Seed: 3, Size: 32x32/);
    await viewer.getByRole('button', { name: 'Copy parameters' }).click();
    await viewer.getByText('Parameters copied.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(await parameters.textContent());
    await page.screenshot({ path: 'docs/screenshots/gallery-viewer-1280x800.png' });
    await page.keyboard.press('Escape');
    await expect.poll(() => viewer.count()).toBe(0);
  });

  it('says why "try a prompt" failed next to Render, with the raw text behind Details', async () => {
    const tryPanel = page.getByRole('region', { name: 'Try a prompt' });
    await tryPanel.getByLabel('Prompt', { exact: true }).fill('ink style, a kite');
    await tryPanel.getByRole('textbox', { name: 'Base model' }).fill(join(dir, 'models', 'gone.safetensors'));
    await tryPanel.getByLabel('Width').selectOption('256');
    await tryPanel.getByLabel('Height').selectOption('384');
    expect(await tryPanel.getByLabel('Height').inputValue()).toBe('384');
    await tryPanel.getByRole('button', { name: 'Render' }).click();
    const problem = tryPanel.getByRole('alert');
    await problem.waitFor({ timeout: 60_000 });
    expect(await problem.locator('strong').textContent()).toBe('A file is missing.');
    expect(await problem.getByText('Details').isVisible()).toBe(true);
    expect(await problem.locator('pre').isVisible()).toBe(false);
    await problem.getByText('Details').click();
    expect(await problem.locator('pre').textContent()).toContain('There is no file or folder at');
    // The alert sits beside the button, not at the top of the page.
    const [button, note] = await Promise.all([
      tryPanel.getByRole('button', { name: 'Render' }).boundingBox(),
      problem.boundingBox(),
    ]);
    expect(Math.abs(note!.y - button!.y)).toBeLessThan(120);
  }, 150_000);

  it('fits 900×600 without sideways scrolling, and ran without console errors', async () => {
    expect(await scrollsSideways()).toBe(false);
    await page.setViewportSize({ width: 900, height: 600 });
    await page.getByRole('heading', { name: 'Base model and your style' }).scrollIntoViewIfNeeded();
    expect(await scrollsSideways()).toBe(false);
    await page.screenshot({ path: 'docs/screenshots/gallery-compare-900x600.png', fullPage: true });
    await page.getByRole('button', { name: 'Open ink style, a boat (base)' }).click();
    const viewer = page.getByRole('dialog', { name: 'base · ink style, a boat' });
    await viewer.getByLabel('Parameters').waitFor();
    await page.screenshot({ path: 'docs/screenshots/gallery-viewer-900x600.png' });
    await page.keyboard.press('Escape');
    expect(consoleErrors).toEqual([]);
  });
});
