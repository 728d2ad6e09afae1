import { describe, expect, it } from 'vitest';
import type { ApiEnvelope } from '../../../../src-main/api/errors';
import type { Transport } from '../../../../src-renderer/lib/api/client';
import {
  connectionAfter,
  isConnectionError,
  SERVER_STOPPED_MESSAGE,
  watchCalls,
  type Connection,
} from '../../../../src-renderer/lib/api/connection';

const refused = (code: 'UNAUTHORIZED' | 'FORBIDDEN' | 'NOT_FOUND'): ApiEnvelope<unknown> => ({
  ok: false,
  error: { code, name: 'ApiError', message: 'x' },
});

const refusedError = { code: 'UNAUTHORIZED' as const, name: 'ApiError', message: 'x' };

describe('connection', () => {
  it('reads a call that got no answer as a stopped server, and the guard’s refusals as refused', () => {
    expect(connectionAfter({ thrown: new TypeError('Failed to fetch') })).toBe('server-stopped');
    expect(connectionAfter({ envelope: refused('UNAUTHORIZED') })).toBe('refused');
    expect(connectionAfter({ envelope: refused('FORBIDDEN') })).toBe('refused');
    expect(connectionAfter({ envelope: refused('NOT_FOUND') })).toBe('ok');
    expect(connectionAfter({ envelope: { ok: true, value: 1 } })).toBe('ok');
  });

  it('turns a failed fetch into an envelope saying the server stopped, and reports each call', async () => {
    let up = false;
    const inner = {
      call: async () => {
        if (!up) throw new TypeError('Failed to fetch');
        return { ok: true, value: 'v' };
      },
    } as unknown as Transport;
    const seen: Connection[] = [];
    const transport = watchCalls(inner, (c) => seen.push(c));
    const down = await transport.call('getAppInfo', []);
    expect(down).toMatchObject({ ok: false, error: { code: 'INTERNAL', message: SERVER_STOPPED_MESSAGE } });
    up = true;
    expect(await transport.call('getAppInfo', [])).toEqual({ ok: true, value: 'v' });
    expect(seen).toEqual(['server-stopped', 'ok']);
    expect(isConnectionError(down.ok ? refusedError : down.error)).toBe(true);
    expect(isConnectionError(refusedError)).toBe(true);
    expect(isConnectionError({ code: 'NOT_FOUND', name: 'ApiError', message: 'x' })).toBe(false);
  });
});
