// Whether the page can talk to Tessera at all: a stopped server (the request never got an answer) and a page
// without its token (or with an old one) each get one clear state, instead of an error under every form.
import { fail, ApiError, type ApiEnvelope, type ApiErrorData } from '../../../src-main/api/errors';
import type { Transport } from './client';

export type Connection = 'ok' | 'server-stopped' | 'refused';

/** What one call tells about the connection: thrown (no answer at all) or the envelope that came back. */
export type CallOutcome = { envelope: ApiEnvelope<unknown> } | { thrown: unknown };

/**
 * @example connectionAfter({ thrown: new TypeError('Failed to fetch') }) // 'server-stopped'
 * @example connectionAfter({ envelope: { ok: false, error: { code: 'UNAUTHORIZED', name: 'ApiError', message: '' } } }) // 'refused'
 */
export function connectionAfter(outcome: CallOutcome): Connection {
  if ('thrown' in outcome) return 'server-stopped';
  const { envelope } = outcome;
  // Only the server's guard answers these to API calls: no token, a token of an earlier launch, a foreign page.
  if (!envelope.ok && (envelope.error.code === 'UNAUTHORIZED' || envelope.error.code === 'FORBIDDEN'))
    return 'refused';
  return 'ok';
}

/** An error the page-wide banner already explains (no answer, or the guard refused the page). */
export function isConnectionError(error: ApiErrorData): boolean {
  return error.code === 'UNAUTHORIZED' || error.code === 'FORBIDDEN' || error.name === SERVER_STOPPED_NAME;
}

export const SERVER_STOPPED_NAME = 'ServerStopped';

export const SERVER_STOPPED_MESSAGE =
  "Tessera's server stopped. Restart it with `npm run serve` (or `tessera serve`) and open the address it prints.";

/**
 * A transport that reports every call's effect on the connection; a call that got no answer resolves to an
 * envelope saying the server stopped, so screens never show a bare "Failed to fetch".
 * @example const transport = watchCalls(httpTransport(), (c) => (connection.status = c))
 */
export function watchCalls(inner: Transport, report: (connection: Connection) => void): Transport {
  return {
    ...inner,
    async call(method, args) {
      try {
        const envelope = await inner.call(method, args);
        report(connectionAfter({ envelope }));
        return envelope;
      } catch (err) {
        report(connectionAfter({ thrown: err }));
        return fail(
          new ApiError('INTERNAL', SERVER_STOPPED_MESSAGE, { name: SERVER_STOPPED_NAME, cause: err }),
        );
      }
    },
  };
}
