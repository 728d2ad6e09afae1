// The Chromium the end-to-end tests drive: $TESSERA_CHROMIUM, else the system's /usr/bin/chromium (Debian's
// `chromium` package; .ci/run installs it), with one set of flags for every e2e file.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

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
