// The Chromium the end-to-end tests drive: $TESSERA_CHROMIUM, else a system Chromium at a usual path (.ci/run
// installs Debian's, the fastest start), else the headless Chromium that ships inside the @sparticuz/chromium
// package (Linux x64), so a fresh machine needs nothing but `npm ci`. One set of flags for every e2e file.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Where distributions and Google put a Chromium that runs headless. */
export const SYSTEM_CHROMIUMS: readonly string[] = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome-stable',
  '/usr/bin/google-chrome',
];
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
];

/** What to launch: an executable and what its environment needs on top of ours. */
export interface ChromiumChoice {
  executablePath: string;
  env: Record<string, string>;
  source: 'TESSERA_CHROMIUM' | 'system' | 'bundled';
}

/**
 * The Chromium to use, given the environment and a file test: $TESSERA_CHROMIUM (it must exist), else the
 * first of `systemPaths` that exists, else 'bundled'. TESSERA_NO_SYSTEM_CHROMIUM=1 skips the system paths; it
 * exists to run the e2e tests on the bundled Chromium on a machine that has a system one.
 * @example pickChromium({}, existsSync) // → { executablePath: '/usr/bin/chromium', env: {}, source: 'system' }
 */
export function pickChromium(
  env: NodeJS.ProcessEnv,
  exists: (path: string) => boolean,
  systemPaths: readonly string[] = SYSTEM_CHROMIUMS,
): ChromiumChoice | 'bundled' {
  const named = env.TESSERA_CHROMIUM;
  if (named) {
    if (!exists(named)) throw new Error(`TESSERA_CHROMIUM names ${named}, which does not exist.`);
    return { executablePath: named, env: {}, source: 'TESSERA_CHROMIUM' };
  }
  const system = env.TESSERA_NO_SYSTEM_CHROMIUM === '1' ? undefined : systemPaths.find(exists);
  return system ? { executablePath: system, env: {}, source: 'system' } : 'bundled';
}

/** @example const { executablePath, env } = await chromiumChoice() */
export async function chromiumChoice(): Promise<ChromiumChoice> {
  const choice = pickChromium(process.env, existsSync);
  return choice === 'bundled' ? bundledChromium() : choice;
}

/** @example const browser = await launchChromium(); const page = await browser.newPage() */
export async function launchChromium(choice?: ChromiumChoice): Promise<Browser> {
  const { executablePath, env } = choice ?? (await chromiumChoice());
  return chromium.launch({ executablePath, args: ARGS, env: { ...process.env, ...env } });
}

/**
 * The package's Chromium, unpacked once per version into node_modules/.cache and reused. Its own launch
 * flags are not used: `--single-process` hangs the second browser context a test opens. What it needs
 * instead is an environment: its fonts (without any, text has no width and screens render blank), its
 * NSS/expat libraries for machines without them, and a locale Intl accepts.
 * @example const { executablePath, env } = await bundledChromium()
 */
export async function bundledChromium(): Promise<ChromiumChoice> {
  if (platform() !== 'linux' || arch() !== 'x64')
    throw new Error(
      `No Chromium found: @sparticuz/chromium ships one for Linux x64 only; on ${platform()} ${arch()} install Chromium or set TESSERA_CHROMIUM to run the end-to-end tests.`,
    );
  const entry = createRequire(import.meta.url).resolve('@sparticuz/chromium');
  const packageDir = resolve(dirname(entry), '..', '..');
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  const dir = resolve(packageDir, '..', '..', '.cache', `tessera-chromium-${version}`);
  if (!existsSync(dir)) unpackInto(dir, entry);
  const libs = join(dir, 'al2023', 'lib');
  return {
    executablePath: join(dir, 'chromium'),
    env: {
      FONTCONFIG_FILE: join(dir, 'fonts.conf'),
      LD_LIBRARY_PATH: [libs, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
      ...plainLocale(process.env),
    },
    source: 'bundled',
  };
}

/**
 * Under the C/POSIX locale (containers, CI) this Chromium says navigator.language is 'en-US@posix', which
 * Intl rejects with a RangeError on the page; Debian's Chromium says 'en-US' there, and so does this one
 * when asked.
 * @example plainLocale({ LANG: 'C.UTF-8' }) // → { LC_ALL: 'en_US.UTF-8' }
 */
export function plainLocale(env: NodeJS.ProcessEnv): Record<string, string> {
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || 'C';
  return /^(C|POSIX)([._@]|$)/.test(locale) ? { LC_ALL: 'en_US.UTF-8' } : {};
}

/**
 * The package unpacks into the temp folder, so a child process with its own TMPDIR unpacks into a fresh
 * folder, which is renamed into place whole: two test files starting together never run a half-written
 * binary. AWS_EXECUTION_ENV is the package's sign for "Amazon Linux", where it also unpacks its libraries.
 */
function unpackInto(dir: string, entry: string): void {
  mkdirSync(dirname(dir), { recursive: true });
  const staging = mkdtempSync(`${dir}.unpacking-`);
  try {
    const unpack = 'const c = require(process.argv[1]); (c.default ?? c).executablePath().then(() => {});';
    execFileSync(process.execPath, ['-e', unpack, entry], {
      env: { ...process.env, TMPDIR: staging, AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    // The packaged fonts.conf names /tmp/fonts; this one names where the fonts are, after the system's own.
    writeFileSync(
      join(staging, 'fonts.conf'),
      `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n` +
        `  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n` +
        `  <dir>${join(dir, 'fonts')}</dir>\n  <cachedir>${join(dir, 'fontconfig-cache')}</cachedir>\n</fontconfig>\n`,
    );
    renameSync(staging, dir);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    // Another test file renamed its copy into place first: use that one.
    if (!existsSync(join(dir, 'chromium'))) throw err;
  }
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
