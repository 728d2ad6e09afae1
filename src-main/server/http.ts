// Web mode: the same API and renderer build as the desktop app, over HTTP on 127.0.0.1 by default.
// POST /api/<method> {args} → envelope; GET /api/events → SSE; everything else → the built renderer.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiError, fail, settle, type ApiEnvelope, type ApiErrorCode } from '../api/errors';
import { isApiMethod } from '../api/methods';
import { validateArgs } from '../api/validate';
import { CONTENT_SECURITY_POLICY_HEADER } from '../core/csp';
import { Services } from '../core/services';
import { streamEvents } from './events';
import { allowedHosts, checkOrigin, checkToken, newToken, type GuardConfig } from './guard';
import { resolveStatic, sendFile } from './static';
import { THUMB_HTTP_PATH } from '../api/thumb-url';
import { sendThumbnail } from './thumbs';
import { UPLOAD_HTTP_PATH } from '../api/upload-url';
import { receiveUpload } from './uploads';

export interface ServerOptions {
  /** Interface to bind; 127.0.0.1 unless you mean to expose Tessera to your network. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** The built renderer; defaults to out/renderer next to the built server. */
  rendererDir?: string;
  services?: Services;
  /** Where settings.json lives when the server makes its own Services; in memory only when absent. */
  appDataDir?: string;
  /** For tests; a fresh random token otherwise. */
  token?: string;
}

export interface RunningServer {
  /** The address to open, token included. */
  url: string;
  origin: string;
  host: string;
  port: number;
  token: string;
  services: Services;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1 << 20;

export const STATUS_BY_CODE: Readonly<Record<ApiErrorCode, number>> = {
  INVALID_ARGUMENT: 400,
  NOT_FOUND: 404,
  PERMISSION_DENIED: 403,
  UNSUPPORTED_FORMAT: 422,
  MALFORMED_FILE: 422,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  // NOTE: the request asked for more than this machine holds (a smaller size or tiled decode may fit).
  OUT_OF_MEMORY: 413,
  DISK_FULL: 507,
  INTERNAL: 500,
};

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY_HEADER,
  'X-Content-Type-Options': 'nosniff',
  // The token rides in the page URL: never let it leave in a Referer.
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** out/renderer beside out/main when built; the repo's out/renderer when run from source. */
export function defaultRendererDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return here.endsWith(join('out', 'main'))
    ? join(here, '..', 'renderer')
    : join(here, '..', '..', 'out', 'renderer');
}

function sendJson(res: ServerResponse, envelope: ApiEnvelope<unknown>): void {
  res.statusCode = envelope.ok ? 200 : STATUS_BY_CODE[envelope.error.code];
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  // NOTE: JSON drops an undefined value, and `{ ok: true }` alone is not an envelope: methods that return
  // nothing (writeCaption) answer `value: null`.
  res.end(JSON.stringify(envelope.ok && envelope.value === undefined ? { ok: true, value: null } : envelope));
}

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  if (!req.headers['content-type']?.startsWith('application/json')) {
    throw new ApiError('INVALID_ARGUMENT', 'Send the arguments as JSON (Content-Type: application/json).');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ApiError('INVALID_ARGUMENT', 'Request body is larger than 1 MiB.');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return text === '' ? {} : (JSON.parse(text) as unknown);
  } catch (err) {
    throw new ApiError('INVALID_ARGUMENT', 'Request body is not valid JSON.', { cause: err });
  }
}

async function callMethod(
  req: IncomingMessage,
  method: string,
  services: Services,
): Promise<ApiEnvelope<unknown>> {
  if (!isApiMethod(method)) return fail(new ApiError('NOT_FOUND', `There is no API method "${method}".`));
  return settle(async () => {
    const body = await readJsonBody(req);
    const raw = typeof body === 'object' && body !== null && 'args' in body ? body.args : [];
    const args = validateArgs(method, raw);
    return (services[method] as (...a: unknown[]) => Promise<unknown>).apply(services, args);
  });
}

interface Context {
  guard: GuardConfig;
  services: Services;
  rendererDir: string;
  streams: Set<() => void>;
}

async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, ctx: Context): Promise<void> {
  const refusal = checkToken(req, url, ctx.guard);
  if (refusal) return sendJson(res, fail(new ApiError(refusal.code, refusal.message)));
  if (url.pathname === '/api/events' && req.method === 'GET') {
    const stop = streamEvents(res, ctx.services.events);
    ctx.streams.add(stop);
    res.on('close', () => ctx.streams.delete(stop));
    return;
  }
  if (url.pathname === THUMB_HTTP_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
    const answered = await settle(() => sendThumbnail(res, url, ctx.services, req.method === 'HEAD'));
    if (!answered.ok) sendJson(res, answered);
    return;
  }
  if (url.pathname === UPLOAD_HTTP_PATH && req.method === 'POST') {
    return sendJson(res, await settle(() => receiveUpload(req, url, ctx.services)));
  }
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST');
    return sendJson(res, fail(new ApiError('INVALID_ARGUMENT', `Use POST for ${url.pathname}.`)));
  }
  sendJson(res, await callMethod(req, url.pathname.slice('/api/'.length), ctx.services));
}

async function handleStatic(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  ctx: Context,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  const file = await resolveStatic(ctx.rendererDir, url.pathname);
  if (file) return sendFile(res, file, req.method === 'HEAD');
  const index = url.pathname === '/' || url.pathname === '/index.html';
  res.writeHead(index ? 503 : 404, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(
    index
      ? 'The Tessera UI is not built yet: run `npm run build`, then start the server again.\n'
      : 'Not found\n',
  );
}

async function handle(req: IncomingMessage, res: ServerResponse, ctx: Context): Promise<void> {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
  const refusal = checkOrigin(req, ctx.guard);
  if (refusal) {
    res
      .writeHead(refusal.status, { 'Content-Type': 'text/plain; charset=utf-8' })
      .end(`${refusal.message}\n`);
    return;
  }
  const url = new URL(req.url ?? '/', 'http://tessera.invalid');
  if (url.pathname.startsWith('/api/')) return handleApi(req, res, url, ctx);
  return handleStatic(req, res, url, ctx);
}

function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * Starts the web server and resolves once it listens.
 * @example const server = await startServer(); console.log(server.url); await server.close();
 */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const services = options.services ?? new Services({ mode: 'web', appDataDir: options.appDataDir });
  const token = options.token ?? newToken();
  const streams = new Set<() => void>();
  const ctx: Context = {
    guard: { hosts: new Set(), token },
    services,
    rendererDir: options.rendererDir ?? defaultRendererDir(),
    streams,
  };
  const server = createServer((req, res) => {
    handle(req, res, ctx).catch((err: unknown) => {
      console.error('tessera: request failed:', err);
      if (!res.headersSent) sendJson(res, fail(err));
      else res.destroy();
    });
  });
  const { port } = await listen(server, host, options.port ?? 0);
  ctx.guard.hosts = allowedHosts(host, port);
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const origin = `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
  const close = async (): Promise<void> => {
    for (const stop of streams) stop();
    if (!options.services) services.dispose();
    const closed = new Promise<void>((resolve, reject) =>
      server.close((err) => (err ? reject(err) : resolve())),
    );
    server.closeAllConnections();
    await closed;
  };
  return { url: `${origin}/?token=${token}`, origin, host, port, token, services, close };
}
