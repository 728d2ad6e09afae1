// Which Chromium the e2e tests pick, and that the one shipped in @sparticuz/chromium renders a page: text with
// a width (it has fonts) in two browser contexts one after the other (no --single-process hang).
import { arch, platform } from 'node:os';
import { describe, expect, it } from 'vitest';
import { bundledChromium, launchChromium, pickChromium, plainLocale } from './browser';

const SYSTEM = ['/usr/bin/chromium', '/usr/bin/google-chrome'];

describe('pickChromium', () => {
  it('takes $TESSERA_CHROMIUM first, and refuses one that does not exist', () => {
    const exists = (p: string): boolean => p === '/opt/c' || p === '/usr/bin/chromium';
    expect(pickChromium({ TESSERA_CHROMIUM: '/opt/c' }, exists, SYSTEM)).toEqual({
      executablePath: '/opt/c',
      env: {},
      source: 'TESSERA_CHROMIUM',
    });
    expect(() => pickChromium({ TESSERA_CHROMIUM: '/opt/none' }, exists, SYSTEM)).toThrow(
      'TESSERA_CHROMIUM names /opt/none, which does not exist.',
    );
  });

  it('else the first system path that exists; an empty TESSERA_CHROMIUM counts as unset', () => {
    const exists = (p: string): boolean => p === '/usr/bin/google-chrome';
    expect(pickChromium({ TESSERA_CHROMIUM: '' }, exists, SYSTEM)).toEqual({
      executablePath: '/usr/bin/google-chrome',
      env: {},
      source: 'system',
    });
  });

  it('else the bundled one, also when TESSERA_NO_SYSTEM_CHROMIUM=1 hides the system ones', () => {
    expect(pickChromium({}, () => false, SYSTEM)).toBe('bundled');
    expect(pickChromium({ TESSERA_NO_SYSTEM_CHROMIUM: '1' }, () => true, SYSTEM)).toBe('bundled');
  });
});

describe('plainLocale', () => {
  it('asks for en_US where the locale is C or POSIX, and keeps any other', () => {
    expect(plainLocale({ LANG: 'C.UTF-8' })).toEqual({ LC_ALL: 'en_US.UTF-8' });
    expect(plainLocale({})).toEqual({ LC_ALL: 'en_US.UTF-8' });
    expect(plainLocale({ LC_ALL: 'POSIX', LANG: 'de_DE.UTF-8' })).toEqual({ LC_ALL: 'en_US.UTF-8' });
    expect(plainLocale({ LANG: 'de_DE.UTF-8' })).toEqual({});
  });
});

describe.skipIf(platform() !== 'linux' || arch() !== 'x64')('the bundled Chromium (Linux x64)', () => {
  it('renders text with its own fonts in one context after another, in a locale Intl accepts', async () => {
    const choice = await bundledChromium();
    expect(choice.env.FONTCONFIG_FILE).toMatch(/tessera-chromium-[\d.]+\/fonts\.conf$/);
    const browser = await launchChromium(choice);
    try {
      for (const text of ['first context', 'second context']) {
        const page = await browser.newPage();
        await page.setContent(`<span style="font: 20px sans-serif">${text}</span>`);
        expect(await page.locator('span').evaluate((e) => e.getBoundingClientRect().width)).toBeGreaterThan(
          50,
        );
        expect(await page.evaluate(() => new Intl.NumberFormat(navigator.language).format(1234.5))).toMatch(
          /^1.234.5$/,
        );
        await page.context().close();
      }
    } finally {
      await browser.close();
    }
  });
});
