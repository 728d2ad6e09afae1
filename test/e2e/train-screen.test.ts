// End to end in web mode, Debian's Chromium against the real server, renderer build and forked trainer worker:
// open a project of tiny images, pick the tiny SD1 checkpoint, check quick settings, train 4 steps with a
// preview every 2, watch progress reach 4/4 and a preview appear, then export the adapter as PEFT.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src-main/cli/main';
import { loadLoRA } from '../../src-main/lora/load';
import type { Services } from '../../src-main/core/services';
import type { RunningServer } from '../../src-main/server/http';
import { tempDir } from '../dataset/make-images';
import { collectPageErrors, launchChromium } from './browser';
import { startInkWorkspace } from './ink-project';

const SCREENSHOT = 'docs/screenshots/train-screen.png';

let dir: string;
let cleanup: () => Promise<void>;
let server: RunningServer;
let services: Services;
let browser: Browser;
let page: Page;
let tinySd1: string;
const consoleErrors: string[] = [];

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('e2e-train'));
  ({ services, server, tinySd1 } = await startInkWorkspace(dir, 3));
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1300, height: 1000 }, colorScheme: 'light' });
  collectPageErrors(page, consoleErrors);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  services?.dispose();
  await cleanup?.();
});

describe('Train screen (web mode)', () => {
  it('opens the project and prefills the Train screen from it', async () => {
    await page.goto(server.url);
    await page.getByLabel('Project folder', { exact: true }).fill(join(dir, 'Ink'));
    await page.getByRole('button', { name: 'Open project' }).click();
    await page.getByRole('heading', { name: 'Dataset' }).waitFor();
    const tab = page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Train' });
    await tab.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Train', exact: true }).waitFor();
    expect(await page.getByLabel('Dataset folder').inputValue()).toBe(join(dir, 'Ink', 'dataset'));
    expect(await page.getByLabel('Runs folder').inputValue()).toBe(join(dir, 'Ink', 'runs'));
  });

  it('checks quick settings on tiny-sd1: 3 images, 4 steps', async () => {
    await page.getByLabel('Base model').fill(tinySd1);
    await page.locator('#opt-resolution').fill('64');
    await page.locator('#opt-maxSteps').fill('4');
    await page.getByText('Memory and saving', { exact: true }).click();
    await page.locator('#opt-saveEverySteps').fill('2');
    await page.locator('#opt-sampleEverySteps').fill('2');
    await page.getByLabel(/Preview prompts/).fill('ink style, a lighthouse --w 32 --h 32 --s 2 --d 7');
    await page.getByRole('button', { name: 'Check settings' }).click();
    await page.getByText(/3 images \(3 captioned\)/).waitFor();
    await expect.poll(() => page.locator('.plan strong').textContent()).toBe('4 steps');
    expect(await page.locator('.plan .problem').count()).toBe(0);
  });

  it('trains to 4 / 4 with a preview image on the dashboard', async () => {
    await page.getByRole('button', { name: 'Start training' }).click();
    await page.getByText('4 / 4', { exact: true }).waitFor({ timeout: 120_000 });
    await page.locator('.status.finished').waitFor({ timeout: 120_000 });
    const preview = page.getByRole('img', { name: /^Step 4: ink style, a lighthouse/ });
    await preview.waitFor();
    await expect.poll(() => preview.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(32);
    await mkdir('docs/screenshots', { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  }, 150_000);

  it('shows the run in the Gallery', async () => {
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Gallery' }).click();
    await page.getByRole('heading', { name: 'Gallery' }).waitFor();
    await expect.poll(() => page.getByRole('button', { name: /^Open step \d+:/ }).count()).toBe(2);
    await page.screenshot({ path: 'docs/screenshots/gallery-screen.png', fullPage: true });
  });

  it('exports the finished adapter as PEFT and shows where it went', async () => {
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Export' }).click();
    const adapter = await page.getByLabel('Adapter from a run').inputValue();
    expect(adapter).toMatch(/\/Ink\/runs\/my-style-[\d-]+\/my-style\.safetensors$/);
    // Before the user leaves the app: would every tool load the run's kohya adapter whole?
    const base = page.getByLabel('Base checkpoint');
    if (!(await base.inputValue())) await base.fill(tinySd1);
    await page.getByRole('button', { name: 'Check compatibility' }).click();
    await expect
      .poll(() => page.getByText('Every tool applies every module.').count(), { timeout: 60_000 })
      .toBe(1);
    expect(await page.locator('.compat tbody tr').count()).toBe(6);
    const out = join(dir, 'exports', 'ink-peft.safetensors');
    await page.getByLabel(/PEFT/).check();
    await page.getByLabel('Save as').fill(out);
    await page.getByRole('button', { name: 'Export', exact: true }).last().click();
    const saved = page.getByText(`Saved ${out}`);
    await Promise.race([
      saved.waitFor({ timeout: 60_000 }),
      page
        .getByRole('alert')
        .waitFor({ timeout: 60_000 })
        .then(async () => {
          throw new Error(`export failed: ${await page.getByRole('alert').first().textContent()}`);
        }),
    ]);
    await page.screenshot({ path: 'docs/screenshots/export-screen.png', fullPage: true });
    // The report now describes the PEFT file just written: ComfyUI would skip its attention keys.
    await expect.poll(() => page.locator('.compat .for').textContent(), { timeout: 60_000 }).toContain(out);
    expect(await page.locator('.compat tr.short').count()).toBeGreaterThan(0);
    expect(await page.locator('.compat .fix').textContent()).toContain('kohya naming');
    const { adapter: loaded } = await loadLoRA(out);
    expect(loaded.modules.length).toBeGreaterThan(0);
    // What `tessera info` says about the exported file: a LoRA for the model's family.
    const lines: string[] = [];
    expect(
      await runCli(['info', out], { out: (l) => lines.push(l), err: (l) => lines.push(l), cwd: dir }),
    ).toBe(0);
    expect(lines.join('\n')).toMatch(/Layout\s+LoRA/);
    expect(lines.join('\n')).toMatch(/Base\s+sd1/);
    expect(consoleErrors).toEqual([]);
  });
});
