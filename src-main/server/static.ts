// Serves the built renderer (out/renderer) read-only: a fixed MIME table, no directory listings, and no
// path that resolves (through `..` or symlinks) outside the build folder.
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

export const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.wgsl': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/**
 * The file under `root` that a URL path names, or null when it is missing, a folder, or escapes `root`.
 * @example await resolveStatic('/srv/out/renderer', '/assets/index.js') // '/srv/out/renderer/assets/index.js'
 */
export async function resolveStatic(root: string, urlPath: string): Promise<string | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch (err) {
    if (err instanceof URIError) return null; // malformed %-escape: no such file
    throw err;
  }
  if (decoded.includes('\0')) return null;
  const relative = normalize(decoded === '/' ? '/index.html' : decoded).replace(/^([/\\])+/, '');
  const realRoot = await realpath(root).catch(missingAsNull);
  if (!realRoot) return null;
  const candidate = await realpath(join(realRoot, relative)).catch(missingAsNull);
  if (!candidate || !candidate.startsWith(realRoot + sep)) return null;
  return (await stat(candidate)).isFile() ? candidate : null;
}

function missingAsNull(err: NodeJS.ErrnoException): null {
  if (err.code === 'ENOENT' || err.code === 'ENOTDIR' || err.code === 'ELOOP') return null;
  throw err;
}

/** Streams one resolved file with its MIME type; HTML is never cached (it names the hashed assets). */
export function sendFile(res: ServerResponse, file: string, headOnly: boolean): void {
  const type = MIME_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  res.setHeader('Content-Type', type);
  res.setHeader('Cache-Control', type.startsWith('text/html') ? 'no-store' : 'no-cache');
  res.statusCode = 200;
  streamBody(res, file, headOnly);
}

/** The body of a 200 whose headers are set: the file's bytes, or nothing for HEAD. */
export function streamBody(res: ServerResponse, file: string, headOnly: boolean): void {
  if (headOnly) {
    res.end();
    return;
  }
  createReadStream(file)
    .on('error', (err) => res.destroy(err))
    .pipe(res);
}
