// End to end in web mode: the real renderer build, the real server in-process, Debian's Chromium through
// playwright-core. Types the path of a tiny SD1 checkpoint, inspects it, and saves a screenshot for docs/.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src-main/server/http';
import { makeTinyCheckpoints } from '../../scripts/make-tiny-checkpoints';
import { collectPageErrors, launchChromium } from './browser';
import { ensureRendererBuild } from './renderer-build';

const SCREENSHOT = 'docs/screenshots/model-screen.png';

let dir: string;
let models: Record<string, string>;
let server: RunningServer;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-e2e-'));
  const [rendererDir, paths] = await Promise.all([
    ensureRendererBuild(),
    makeTinyCheckpoints(join(dir, 'models')),
  ]);
  models = paths;
  server = await startServer({ rendererDir });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1100, height: 1000 }, colorScheme: 'light' });
  collectPageErrors(page, consoleErrors);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('Model screen (web mode)', () => {
  it('loads with the token, then hides the token from the address bar', async () => {
    await page.goto(server.url);
    await expect.poll(() => page.getByRole('heading', { name: 'Base model' }).count()).toBe(1);
    expect(page.url()).toBe(`${server.origin}/`);
    await expect.poll(() => page.locator('header').textContent()).toContain('web');
  });

  it('explains a path that does not exist, where the user is looking', async () => {
    await page.getByLabel('Model file or diffusers folder').fill(join(dir, 'nope.safetensors'));
    await page.getByRole('button', { name: 'Inspect' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('Nothing there');
    expect(await alert.textContent()).toContain('nope.safetensors');
  });

  it('browses from a typed folder to a LoRA file and inspects it', async () => {
    await page.getByLabel('Model file or diffusers folder').fill(join(dir, 'models'));
    await page.getByRole('button', { name: 'Browse…' }).click();
    const panel = page.getByRole('region', { name: 'Folder browser' });
    await panel.getByRole('button', { name: /tiny-sd1-diffusers/ }).waitFor();
    await panel.getByRole('button', { name: /tiny-sd1-lora\.safetensors/ }).click();
    await page.getByRole('heading', { name: 'LoRA', exact: true }).waitFor();
    expect(await page.getByTestId('family-label').textContent()).toMatch(/^LoRA for .*SD1/);
    expect(await page.getByLabel('Model file or diffusers folder').inputValue()).toBe(
      models['tiny-sd1-lora'],
    );
    await page.getByRole('button', { name: 'Close browser' }).click();
  });

  it('inspects a typed SD1 checkpoint path and shows real numbers', async () => {
    await page.getByLabel('Model file or diffusers folder').fill(models['tiny-sd1']);
    await page.getByRole('button', { name: 'Inspect' }).click();
    // The previous test left a LoRA report on screen: wait until the new report replaced it.
    await expect.poll(() => page.locator('article.report').textContent()).toContain('Single file');
    await expect.poll(() => page.getByTestId('family-label').textContent()).toMatch(/SD1|Stable Diffusion 1/);
    const report = (await page.locator('article.report').textContent()) ?? '';
    expect(report).toContain('sd1');
    expect(report).toContain('Single file');
    const unetRow = (await page.getByRole('row', { name: /^UNet/ }).textContent()) ?? '';
    expect(unetRow).toMatch(/2\.2 M/);
    expect(unetRow).toContain('F32 ×494');
    expect(report).toContain('cond_stage_model.transformer is CLIP-L');
    await mkdir('docs/screenshots', { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);
  });

  it('refuses a model it cannot train on and says why; accepts an architecture read from the file', async () => {
    const inspect = async (path: string) => {
      await page.getByLabel('Model file or diffusers folder').fill(path);
      await page.getByRole('button', { name: 'Inspect' }).click();
      await expect.poll(() => page.locator('article.report').textContent()).toContain(path.split('/').pop());
    };
    // The test-pipeline shape without its own tokenizer: CLIP's token ids would run past its 1000-row table.
    await inspect(models['tiny-pipe']);
    await expect
      .poll(() => page.getByTestId('model-refusal').textContent())
      .toMatch(/cannot train on this model: text_encoder: a 1000-token vocabulary.*tokenizer\/vocab\.json/);
    // A distilled UNet (no mid block, a level without attention): derived from its diffusers config, accepted.
    await inspect(models['tiny-distilled-diffusers']);
    await expect.poll(() => page.getByTestId('family-label').textContent()).toMatch(/\(own architecture\)$/);
    expect(await page.getByTestId('model-refusal').count()).toBe(0);
  });

  it('sets the CPU threads for later runs, and shows the choice when the page opens again', async () => {
    await page.goto(server.url);
    const threads = page.getByLabel('CPU threads');
    // the panel appears once a worker has probed the compute devices
    await expect.poll(() => threads.count(), { timeout: 60_000 }).toBe(1);
    expect(await threads.inputValue()).toBe('auto');
    await threads.selectOption('1');
    await expect.poll(async () => (await server.services.getEnvironment()).compute.threads).toBe(1);
    await page.goto(server.url);
    await expect.poll(() => page.getByLabel('CPU threads').inputValue(), { timeout: 60_000 }).toBe('1');
    await page.getByLabel('CPU threads').selectOption('auto');
    await expect.poll(async () => (await server.services.getEnvironment()).compute.threads).toBeNull();
  });

  it('says so at once when opened without its token', async () => {
    const stranger = await browser.newPage();
    await stranger.goto(`${server.origin}/`);
    const alert = stranger.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('This page needs its access token');
    await stranger.close();
  });

  it('ran without console errors or CSP violations', () => {
    expect(consoleErrors).toEqual([]);
  });
});
