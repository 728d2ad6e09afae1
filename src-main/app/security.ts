// Electron hardening in one place (Podman Desktop's security-restrictions.ts): no navigation away from the
// renderer, no new windows, no webviews, every permission denied, https links to the system browser, CSP.
import { app, session, shell } from 'electron';
import { CONTENT_SECURITY_POLICY_HEADER } from '../core/csp';
import { isExternalLink, isTrustedUrl, type RendererEntry } from './trust';

/** The webPreferences every window gets; style.md "Electron settings". */
export const SECURE_WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  webviewTag: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
} as const;

/** Call before `app.whenReady()`: rules for every web contents created from now on. */
export function restrictWebContents(entry: RendererEntry): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isTrustedUrl(url, entry)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!isTrustedUrl(url, entry)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      if (isExternalLink(url)) {
        shell
          .openExternal(url)
          .catch((err: unknown) => console.error(`tessera: could not open ${url}:`, err));
      }
      return { action: 'deny' };
    });
  });
}

/** Call after `app.whenReady()`: deny all permissions; the CSP header on every response the session sees. */
export function restrictSession(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  // The dev server's hot reload injects <style> tags, so only `electron-vite dev` relaxes style-src.
  const policy = process.env.ELECTRON_RENDERER_URL
    ? CONTENT_SECURITY_POLICY_HEADER.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
    : CONTENT_SECURITY_POLICY_HEADER;
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [policy] } });
  });
}
