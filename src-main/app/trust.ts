// Which URLs the app trusts: its own renderer (file in production, the dev server under `electron-vite
// dev`) and, for the external browser, https links only. Pure functions, so they are testable without Electron.
import { pathToFileURL } from 'node:url';

/** Where the renderer comes from: ELECTRON_RENDERER_URL in development, the built index.html otherwise. */
export type RendererEntry = { kind: 'url'; url: string } | { kind: 'file'; path: string };

/** The renderer's URL without query or hash. @example entryUrl({ kind: 'file', path: '/app/out/renderer/index.html' }) */
export function entryUrl(entry: RendererEntry): URL {
  return entry.kind === 'url' ? new URL(entry.url) : pathToFileURL(entry.path);
}

/**
 * True for URLs of our own renderer: same origin as the dev server, or exactly our index.html file.
 * @example isTrustedUrl('file:///app/out/renderer/index.html#x', entry) // true
 */
export function isTrustedUrl(url: string, entry: RendererEntry): boolean {
  let candidate: URL;
  try {
    candidate = new URL(url);
  } catch (err) {
    if (err instanceof TypeError) return false; // not a URL at all
    throw err;
  }
  const own = entryUrl(entry);
  if (own.protocol === 'file:') return candidate.protocol === 'file:' && candidate.pathname === own.pathname;
  return candidate.origin === own.origin;
}

/** Links the system browser may open: https only (no file:, no custom schemes, no http). */
export function isExternalLink(url: string): boolean {
  return URL.canParse(url) && new URL(url).protocol === 'https:';
}
