// One file from a model hub's public file URL: streamed into `<dest>.part`, resumed with an HTTP Range
// request after a dropped connection or an interrupted run, checked against a sha256, then renamed into
// place, so a file at `dest` is always whole and verified. Redirects (the hub sends LFS files to a CDN)
// are followed by hand to read the hub's own headers: `X-Linked-Etag` is the sha256 of an LFS file.
// Proxies are not supported (plain node:http); a user behind one downloads elsewhere and uses --model-dir.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';

export interface DownloadRequest {
  url: string;
  dest: string;
  /** Expected lower-case hex sha256; without it the hub's `X-Linked-Etag` is used when it is one. */
  sha256?: string;
  signal?: AbortSignal;
  /** Bytes on disk so far and the total (0 while unknown). */
  onProgress?: (done: number, total: number) => void;
  /** Resumes after a dropped connection within one call (default 3). */
  retries?: number;
}

export interface DownloadResult {
  sha256: string;
  size: number;
  /** What the hash was checked against: the caller's pin, the hub's header, or nothing (recorded only). */
  verifiedBy: 'pinned' | 'hub' | 'none';
}

/** The network or the server failed; a `.part` file is kept so the next try resumes. */
export class DownloadError extends Error {
  override readonly name = 'DownloadError';
}

/** The bytes arrived but are not the file expected; the partial file is deleted. */
export class IntegrityError extends Error {
  override readonly name = 'IntegrityError';
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
const MAX_REDIRECTS = 8;
const OFFLINE_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ETIMEDOUT',
]);

interface Opened {
  response: IncomingMessage;
  hubSha256?: string;
}

/** An idle connection this long is given up (and resumed by the next attempt). */
const IDLE_MS = 60_000;

function causeCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 6; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function networkError(url: string, err: unknown): Error {
  if (err instanceof Error && err.name === 'AbortError') return err;
  const code = causeCode(err) ?? 'network error';
  const host = new URL(url).host;
  const offline = OFFLINE_CODES.has(code)
    ? `cannot reach ${host} (${code}): this machine seems to be offline. `
    : `${host} failed (${code}). `;
  return new DownloadError(
    `${offline}Could not download ${url}. Download it on another machine and use that folder (--model-dir), or try again later.`,
    { cause: err },
  );
}

/** One GET; node:http rather than fetch so every byte that arrived before a dropped connection is kept. */
function get(url: string, from: number, signal?: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const send = url.startsWith('https:') ? httpsGet : httpGet;
    const req = send(url, { headers: from > 0 ? { range: `bytes=${from}-` } : {}, signal }, resolve);
    req.setTimeout(IDLE_MS, () =>
      req.destroy(Object.assign(new Error('no data for 60 s'), { code: 'ETIMEDOUT' })),
    );
    req.on('error', (err) => reject(signal?.aborted ? (signal.reason ?? err) : networkError(url, err)));
  });
}

const header = (res: IncomingMessage, name: string): string => {
  const value = res.headers[name];
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
};

/** Follows redirects by hand so the first hop's `X-Linked-Etag` (the hub's sha256 of an LFS file) is seen. */
async function openUrl(url: string, from: number, signal?: AbortSignal): Promise<Opened> {
  let hubSha256: string | undefined;
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const response = await get(current, from, signal);
    const linked = header(response, 'x-linked-etag').replace(/^W\//, '').replace(/"/g, '');
    if (!hubSha256 && SHA256_HEX.test(linked)) hubSha256 = linked;
    const status = response.statusCode ?? 0;
    const location = header(response, 'location');
    if (status >= 300 && status < 400 && location) {
      response.resume();
      current = new URL(location, current).href;
      continue;
    }
    return { response, hubSha256 };
  }
  throw new DownloadError(`${url}: more than ${MAX_REDIRECTS} redirects`);
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

/** Where the body starts and the whole file's size, from a 200 or 206 response. */
function span(response: IncomingMessage, from: number): { start: number; total: number } {
  if (response.statusCode === 206) {
    const m = /bytes (\d+)-\d+\/(\d+|\*)/.exec(header(response, 'content-range'));
    if (m) return { start: Number(m[1]), total: m[2] === '*' ? 0 : Number(m[2]) };
    return { start: from, total: 0 };
  }
  return { start: 0, total: Number(header(response, 'content-length') || 0) };
}

/** Bytes received but not yet on disk before the response is paused (what a dropped connection may cost). */
const HIGH_WATER = 16 << 20;

/**
 * Appends the body at `start`; returns false when the connection dropped before the end. The body flows
 * (no async iteration): a dropped connection destroys the response and with it every chunk still buffered
 * inside it, so each chunk is taken the moment it arrives and queued for the file.
 */
async function receive(
  response: IncomingMessage,
  part: string,
  start: number,
  total: number,
  request: DownloadRequest,
): Promise<boolean> {
  // Listeners go on before any real wait: events of a connection that closes meanwhile would be missed.
  const opening = open(part, start === 0 ? 'w' : 'r+');
  let received = start;
  let written = start;
  let writes = Promise.resolve();
  let writeError: unknown = null;
  const ended = new Promise<boolean>((resolveEnd) => {
    response.on('data', (chunk: Buffer) => {
      const at = received;
      received += chunk.length;
      if (received - written > HIGH_WATER) response.pause();
      writes = writes.then(async () => {
        if (writeError) return;
        try {
          await (await opening).write(chunk, 0, chunk.length, at);
        } catch (err) {
          writeError = err; // a full disk or a vanished folder: retrying would not help
          response.destroy();
          return;
        }
        written += chunk.length;
        request.onProgress?.(written, total);
        if (response.isPaused() && received - written <= HIGH_WATER / 2) response.resume();
      });
    });
    response.on('end', () => resolveEnd(true));
    response.on('error', () => resolveEnd(false));
    response.on('close', () => resolveEnd(response.complete));
    if (response.destroyed) resolveEnd(response.complete);
  });
  const file = await opening.catch((err: unknown) => {
    response.destroy();
    throw err;
  });
  try {
    const whole = await ended;
    await writes;
    if (writeError) throw writeError;
    if (request.signal?.aborted) throw request.signal.reason;
    return whole && (total === 0 || written === total);
  } finally {
    await file.close();
  }
}

/** Hex sha256 of a file, streamed. @example await sha256File('/m/model.onnx') // 'ab12…' */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Downloads `url` to `dest` (its folder must exist), resuming a `<dest>.part` left by an earlier try.
 * @example await downloadFile({ url, dest: '/cache/caption-models/wd-swinv2-v3/model.onnx', onProgress: (d, t) => log(d / t) })
 */
export async function downloadFile(request: DownloadRequest): Promise<DownloadResult> {
  const { url, dest, signal } = request;
  const part = `${dest}.part`;
  let hubSha256: string | undefined;
  let total = 0;
  let complete = false;
  for (let attempt = 0; attempt <= (request.retries ?? 3) && !complete; attempt++) {
    signal?.throwIfAborted();
    const have = await sizeOf(part);
    const opened = await openUrl(url, have, signal);
    hubSha256 ??= opened.hubSha256;
    const { response } = opened;
    const status = response.statusCode ?? 0;
    if (status === 416 && have > 0) {
      // The part file is already whole (or longer than the file now is): check it, or start over.
      response.resume();
      const m = /\*\/(\d+)/.exec(header(response, 'content-range'));
      if (m && Number(m[1]) === have) complete = true;
      else await rm(part, { force: true });
      continue;
    }
    if (status !== 200 && status !== 206) {
      response.resume();
      const hint =
        status === 404
          ? ' (no such file at this revision)'
          : status === 401 || status === 403
            ? ' (the repository asks for a login: download the files in a browser and use that folder, --model-dir)'
            : '';
      throw new DownloadError(`${url}: HTTP ${status} ${response.statusMessage ?? ''}${hint}`);
    }
    const range = span(response, have);
    // A server that ignores Range answers 200 with the whole file: start again from byte 0.
    const start = range.start === have ? have : 0;
    if (start !== range.start) {
      response.resume();
      await rm(part, { force: true });
      continue;
    }
    total = range.total;
    complete = await receive(response, part, start, total, request);
  }
  if (!complete)
    throw new DownloadError(
      `${url}: the connection kept dropping (${await sizeOf(part)} of ${total || '?'} bytes kept in ${part}); run again to resume`,
    );
  const sha256 = await sha256File(part);
  const expected = request.sha256 || hubSha256;
  if (expected && sha256 !== expected.toLowerCase()) {
    await rm(part, { force: true });
    throw new IntegrityError(
      `${url}: downloaded bytes have sha256 ${sha256}, expected ${expected}; the file was deleted, download it again`,
    );
  }
  await rename(part, dest);
  const verifiedBy = request.sha256 ? 'pinned' : expected ? 'hub' : 'none';
  return { sha256, size: await sizeOf(dest), verifiedBy };
}
