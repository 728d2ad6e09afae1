// GET /api/thumb?path=… : a dataset thumbnail as WebP, or a PNG a run wrote (samples, generated images). The token
// check has already run (the route sits under /api/); the path guard is the core's, so web mode and Electron's
// protocol refuse exactly the same files.
import { streamBody } from './static';
import type { ServerResponse } from 'node:http';
import { ApiError } from '../api/errors';
import { thumbPathOf } from '../api/thumb-url';
import type { Services } from '../core/services';

/**
 * Streams the thumbnail a request URL asks for; throws ApiError (the caller answers with the envelope).
 * @example await sendThumbnail(res, new URL(req.url, base), services, false)
 */
export async function sendThumbnail(
  res: ServerResponse,
  url: URL,
  services: Services,
  headOnly: boolean,
): Promise<void> {
  const imagePath = thumbPathOf(url.pathname + url.search);
  if (!imagePath) throw new ApiError('INVALID_ARGUMENT', 'Say which image: /api/thumb?path=<absolute path>.');
  const { file, contentType } = await services.imageFile(imagePath);
  // Run images can be rewritten (a resumed run renders the same step again): revalidate those.
  const cache = contentType === 'image/webp' ? 'private, max-age=3600' : 'no-cache';
  res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': cache });
  streamBody(res, file, headOnly);
}
