// The Electron hardening rules, run against a stand-in for Electron's `app`, `session` and `shell` (no
// Electron binary exists here): what a window may navigate to, open, attach or be granted, and the CSP header.
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const electron = vi.hoisted(() => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- hoisted above the ESM imports
  const { EventEmitter: Emitter } = require('node:events') as typeof import('node:events');
  const handlers: Record<string, (...args: never[]) => unknown> = {};
  return {
    app: new Emitter(),
    shell: { openExternal: vi.fn(() => Promise.resolve()) },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (h: never) => (handlers.request = h),
        setPermissionCheckHandler: (h: never) => (handlers.check = h),
        webRequest: { onHeadersReceived: (h: never) => (handlers.headers = h) },
      },
    },
    handlers,
  };
});
vi.mock('electron', () => electron);

const { restrictSession, restrictWebContents, SECURE_WEB_PREFERENCES } =
  await import('../../src-main/app/security');
const { CONTENT_SECURITY_POLICY_HEADER } = await import('../../src-main/core/csp');

/** A web contents as far as the rules use it: navigation events and the window-open handler. */
class FakeContents extends EventEmitter {
  openHandler: ((d: { url: string }) => { action: string }) | null = null;
  setWindowOpenHandler(h: (d: { url: string }) => { action: string }): void {
    this.openHandler = h;
  }
  /** Emits `name` with `url` and says whether a rule prevented it. */
  attempt(name: string, url?: string): boolean {
    let prevented = false;
    this.emit(name, { preventDefault: () => (prevented = true) }, url);
    return prevented;
  }
}

const INDEX = '/opt/Tessera/out/renderer/index.html';
let contents: FakeContents;
beforeEach(() => {
  electron.app.removeAllListeners();
  restrictWebContents({ kind: 'file', path: INDEX });
  contents = new FakeContents();
  electron.app.emit('web-contents-created', {}, contents);
});
afterEach(() => {
  delete process.env.ELECTRON_RENDERER_URL;
  electron.shell.openExternal.mockClear();
});

describe('restrictWebContents', () => {
  it('keeps navigation and redirects on our own index.html', () => {
    expect(contents.attempt('will-navigate', `file://${INDEX}#/gallery`)).toBe(false);
    expect(contents.attempt('will-navigate', 'https://example.org/')).toBe(true);
    expect(contents.attempt('will-redirect', 'file:///home/me/evil.html')).toBe(true);
    expect(contents.attempt('will-attach-webview')).toBe(true);
  });

  it('opens no window; https links go to the system browser, anything else nowhere', () => {
    expect(contents.openHandler?.({ url: 'https://civitai.com/' })).toEqual({ action: 'deny' });
    expect(electron.shell.openExternal).toHaveBeenCalledWith('https://civitai.com/');
    expect(contents.openHandler?.({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(contents.openHandler?.({ url: 'http://example.org/' })).toEqual({ action: 'deny' });
    expect(electron.shell.openExternal).toHaveBeenCalledTimes(1);
  });

  it('every window gets isolation, the sandbox and no Node', () => {
    expect(SECURE_WEB_PREFERENCES).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    });
  });
});

describe('restrictSession', () => {
  const headersOf = () => {
    let out: Record<string, string[]> = {};
    electron.handlers.headers(
      { responseHeaders: { 'X-Other': ['1'] } } as never,
      ((r: { responseHeaders: Record<string, string[]> }) => (out = r.responseHeaders)) as never,
    );
    return out;
  };

  it('denies every permission request and check', () => {
    restrictSession();
    const answers: boolean[] = [];
    electron.handlers.request({} as never, 'media' as never, ((ok: boolean) => answers.push(ok)) as never);
    expect(answers).toEqual([false]);
    expect(electron.handlers.check()).toBe(false);
  });

  it('adds the CSP to every response; only the dev server relaxes style-src for hot reload', () => {
    restrictSession();
    expect(headersOf()).toEqual({
      'X-Other': ['1'],
      'Content-Security-Policy': [CONTENT_SECURITY_POLICY_HEADER],
    });
    process.env.ELECTRON_RENDERER_URL = 'http://localhost:5173/';
    restrictSession();
    const [policy] = headersOf()['Content-Security-Policy'];
    expect(policy).toContain("style-src 'self' 'unsafe-inline'");
    expect(policy).not.toBe(CONTENT_SECURITY_POLICY_HEADER);
  });
});
