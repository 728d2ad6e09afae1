// The `tessera-thumb:` protocol: dataset thumbnails and run images (samples, generated PNGs) for the renderer,
// served only for images inside open projects (the core's path guard, shared with web mode's /api/thumb). Thin Electron glue, no logic of its own.
import { net, protocol } from 'electron';
import { pathToFileURL } from 'node:url';
import { toErrorData } from '../api/errors';
import { THUMB_SCHEME, thumbPathOf } from '../api/thumb-url';
import type { Services } from '../core/services';

/** Call before `app.whenReady()`: a standard, secure scheme so <img> can load it under our CSP. */
export function registerThumbScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: THUMB_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

/** Call after `app.whenReady()`; returns the unregister function. */
export function handleThumbProtocol(services: Services): () => void {
  protocol.handle(THUMB_SCHEME, async (request) => {
    const imagePath = thumbPathOf(request.url);
    if (!imagePath) return new Response('Not a thumbnail URL', { status: 400 });
    try {
      return await net.fetch(pathToFileURL((await services.imageFile(imagePath)).file).toString());
    } catch (err) {
      const { code, message } = toErrorData(err);
      return new Response(message, { status: code === 'FORBIDDEN' ? 403 : 404 });
    }
  });
  return () => protocol.unhandle(THUMB_SCHEME);
}
