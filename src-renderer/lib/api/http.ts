// The web-mode transport: POST /api/<method> with the per-launch token, events over SSE (/api/events).
// The token arrives once in the page URL; it is kept in sessionStorage and removed from the address bar.
import type { EventName, TesseraEvents } from '../../../src-main/api/contract';
import { ApiError, fail, isEnvelope, unwrap, type ApiEnvelope } from '../../../src-main/api/errors';
import { uploadHttpUrl } from '../../../src-main/api/upload-url';
import { thumbHttpUrl } from '../../../src-main/api/thumb-url';
import type { Transport } from './transport';

const TOKEN_KEY = 'tessera.token';

/** Takes the token from `?token=` (then hides it from the address bar and history) or from this tab's storage. */
export function takeToken(
  location: Location = window.location,
  storage: Storage = window.sessionStorage,
): string | null {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    storage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return storage.getItem(TOKEN_KEY);
}

async function post(method: string, args: unknown[], token: string | null): Promise<ApiEnvelope<unknown>> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(`/api/${method}`, { method: 'POST', headers, body: JSON.stringify({ args }) });
  return envelopeOf(response);
}

/** Uploads one dropped file's bytes (POST /api/upload); resolves to its staged path on the server. */
async function upload(project: string, batch: string, file: File, token: string | null): Promise<string> {
  const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const url = uploadHttpUrl({ project, batch, name: file.name });
  const envelope = await envelopeOf(await fetch(url, { method: 'POST', headers, body: file }));
  return unwrap(envelope) as string;
}

async function envelopeOf(response: Response): Promise<ApiEnvelope<unknown>> {
  const text = await response.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch (err) {
    return fail(
      new ApiError('INTERNAL', `The server answered ${response.status} without JSON: ${text.slice(0, 200)}`, {
        cause: err,
      }),
    );
  }
  return isEnvelope(body)
    ? body
    : fail(new ApiError('INTERNAL', `The server answered ${response.status} with an unexpected body.`));
}

/** @example const transport = httpTransport(); await transport.call('getAppInfo', []) */
export function httpTransport(token: string | null = takeToken()): Transport {
  let source: EventSource | null = null;
  const lost: (() => void)[] = [];
  const events = (): EventSource => {
    if (source) return source;
    source = new EventSource(`/api/events?token=${encodeURIComponent(token ?? '')}`);
    source.addEventListener('error', () => lost.forEach((listener) => listener()));
    return source;
  };
  return {
    kind: 'http',
    call: (method, args) => post(method, args, token),
    onEvent<E extends EventName>(name: E, listener: (payload: TesseraEvents[E]) => void) {
      const handler = (event: MessageEvent<string>) => listener(JSON.parse(event.data) as TesseraEvents[E]);
      events().addEventListener(name, handler);
      return () => events().removeEventListener(name, handler);
    },
    pathForFile: () => null,
    thumbUrl: (imagePath) => thumbHttpUrl(imagePath, token),
    upload: (project, batch, file) => upload(project, batch, file, token),
    onConnectionLost: (listener) => {
      lost.push(listener);
      events();
    },
  };
}
