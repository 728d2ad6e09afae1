// Which URLs the Electron window trusts: its own renderer only, and https links for the system browser.
import { describe, expect, it } from 'vitest';
import { entryUrl, isExternalLink, isTrustedUrl, type RendererEntry } from '../../src-main/app/trust';

const built: RendererEntry = { kind: 'file', path: '/opt/Tessera/resources/app/out/renderer/index.html' };
const dev: RendererEntry = { kind: 'url', url: 'http://localhost:5173/' };

describe('entryUrl', () => {
  it('is a file URL for the built renderer and the dev server URL under electron-vite dev', () => {
    expect(entryUrl(built).href).toBe('file:///opt/Tessera/resources/app/out/renderer/index.html');
    expect(entryUrl(dev).origin).toBe('http://localhost:5173');
  });
});

describe('isTrustedUrl', () => {
  it('trusts exactly our index.html (any hash or query), nothing else on disk', () => {
    expect(isTrustedUrl('file:///opt/Tessera/resources/app/out/renderer/index.html#/train', built)).toBe(
      true,
    );
    expect(isTrustedUrl('file:///opt/Tessera/resources/app/out/renderer/index.html?x=1', built)).toBe(true);
    expect(isTrustedUrl('file:///opt/Tessera/resources/app/out/renderer/other.html', built)).toBe(false);
    expect(isTrustedUrl('file:///home/me/Downloads/evil.html', built)).toBe(false);
    expect(isTrustedUrl('https://example.org/', built)).toBe(false);
  });

  it('trusts the dev server origin only, not another port or host', () => {
    expect(isTrustedUrl('http://localhost:5173/src/App.svelte', dev)).toBe(true);
    expect(isTrustedUrl('http://localhost:5174/', dev)).toBe(false);
    expect(isTrustedUrl('http://127.0.0.1:5173/', dev)).toBe(false);
    expect(isTrustedUrl('file:///opt/Tessera/resources/app/out/renderer/index.html', dev)).toBe(false);
  });

  it('answers false for strings that are not URLs', () => {
    expect(isTrustedUrl('not a url', built)).toBe(false);
    expect(isTrustedUrl('', dev)).toBe(false);
  });
});

describe('isExternalLink', () => {
  it('lets only https links reach the system browser', () => {
    expect(isExternalLink('https://github.com/kohya-ss/sd-scripts')).toBe(true);
    for (const url of [
      'http://example.org',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'ms-settings:',
      'x',
    ])
      expect(isExternalLink(url), url).toBe(false);
  });
});
