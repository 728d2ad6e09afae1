// POST /api/upload?project=…&batch=…&name=… with the raw file as application/octet-stream: stages one dropped
// file inside an open project (core/uploads.ts) and answers with its path, ready for importImages.
import type { IncomingMessage } from 'node:http';
import { ApiError } from '../api/errors';
import { uploadTargetOf } from '../api/upload-url';
import type { Services } from '../core/services';

/**
 * Stages the request body; resolves to the staged path or throws ApiError (the caller sends the envelope).
 * @example const path = await receiveUpload(req, url, services)
 */
export async function receiveUpload(req: IncomingMessage, url: URL, services: Services): Promise<string> {
  // A plain cross-site form cannot send this type, so the Origin check is not the only fence.
  if (req.headers['content-type'] !== 'application/octet-stream')
    throw new ApiError('INVALID_ARGUMENT', 'Send the file as application/octet-stream.');
  const target = uploadTargetOf(url);
  if (!target) throw new ApiError('INVALID_ARGUMENT', 'Say where the file goes: ?project=…&batch=…&name=….');
  return services.stageUpload(target.project, target.batch, target.name, req);
}
