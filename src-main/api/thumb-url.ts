// Where a dataset thumbnail is fetched from, one table for both front doors: web mode's guarded HTTP route
// and Electron's `tessera-thumb:` protocol. Builders live here so renderer and main parse the same shape.

/** The custom scheme Electron registers; the CSP's img-src names it too (core/csp.ts). */
export const THUMB_SCHEME = 'tessera-thumb';

/** Web mode route; it sits under /api/ so the token check covers it. */
export const THUMB_HTTP_PATH = '/api/thumb';

/**
 * The web-mode URL of an image's thumbnail (the token rides in the query: <img> cannot send headers).
 * @example thumbHttpUrl('/p/dataset/a.png', 'tok') // '/api/thumb?path=%2Fp%2Fdataset%2Fa.png&token=tok'
 */
export function thumbHttpUrl(imagePath: string, token: string | null): string {
  const query = new URLSearchParams({ path: imagePath });
  if (token) query.set('token', token);
  return `${THUMB_HTTP_PATH}?${query.toString()}`;
}

/** @example thumbProtocolUrl('/p/dataset/a.png') // 'tessera-thumb://thumb/?path=%2Fp%2Fdataset%2Fa.png' */
export function thumbProtocolUrl(imagePath: string): string {
  return `${THUMB_SCHEME}://thumb/?${new URLSearchParams({ path: imagePath }).toString()}`;
}

/**
 * The image path a thumbnail URL asks for (either form), or null when the URL is not one of ours.
 * @example thumbPathOf('tessera-thumb://thumb/?path=%2Fp%2Fa.png') // '/p/a.png'
 */
export function thumbPathOf(url: string): string | null {
  if (!URL.canParse(url, 'http://tessera.invalid')) return null;
  const parsed = new URL(url, 'http://tessera.invalid');
  const ours =
    parsed.protocol === `${THUMB_SCHEME}:` ? parsed.host === 'thumb' : parsed.pathname === THUMB_HTTP_PATH;
  const path = parsed.searchParams.get('path');
  return ours && path ? path : null;
}
