// The Chromium the end-to-end tests drive: $TESSERA_CHROMIUM, else the system's /usr/bin/chromium (Debian's
// `chromium` package; .ci/run installs it), with one set of flags for every e2e file.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

const SYSTEM_CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
];

/** @example const path = chromiumPath() */
export function chromiumPath(): string {
  const path = process.env.TESSERA_CHROMIUM ?? SYSTEM_CHROMIUM;
  if (!existsSync(path))
    throw new Error(
      `${path} is missing: install Debian's chromium (apt-get install chromium) or set TESSERA_CHROMIUM to run the end-to-end tests.`,
    );
  return path;
}

/** @example const browser = await launchChromium(); const page = await browser.newPage() */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: ARGS });
}

/**
 * Collects what a person would call an error on the page: console errors, uncaught exceptions, and failed
 * loads of anything but the API. API errors answer 4xx on purpose and Chromium logs each as a failed
 * resource, so those lines are left out.
 * @example const errors = collectPageErrors(page); …; expect(errors).toEqual([])
 */
export function collectPageErrors(page: Page, errors: string[] = []): string[] {
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
      errors.push(message.text());
  });
  page.on('response', (response) => {
    if (response.status() >= 400 && !new URL(response.url()).pathname.startsWith('/api/'))
      errors.push(`${response.status()} ${response.url()}`);
  });
  page.on('pageerror', (err) => errors.push(err.message));
  return errors;
}
