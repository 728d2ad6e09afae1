// @vitest-environment jsdom
// The renderer's API object over a transport: envelopes in, values or ApiErrors out, for every method.
import { describe, expect, it } from 'vitest';
import type { ApiMethod } from '../../../../src-main/api/contract';
import { ApiError, type ApiEnvelope } from '../../../../src-main/api/errors';
import { API_METHODS } from '../../../../src-main/api/methods';
import { createApi, pickTransport, type Transport } from '../../../../src-renderer/lib/api/client';

/** A transport that answers from a table and records what it was asked. */
function tableTransport(
  answers: Partial<Record<ApiMethod, ApiEnvelope<unknown>>>,
): Transport & { calls: [string, unknown[]][] } {
  const calls: [string, unknown[]][] = [];
  return {
    kind: 'http',
    calls,
    async call(method, args) {
      calls.push([method, args]);
      return (
        answers[method] ?? { ok: false, error: { code: 'INTERNAL', name: 'Error', message: 'no answer' } }
      );
    },
    onEvent: () => () => undefined,
    pathForFile: () => null,
    thumbUrl: (path) => `/thumb?path=${path}`,
    upload: null,
  };
}

describe('createApi', () => {
  it('has every API method', () => {
    const api = createApi(tableTransport({}));
    for (const method of API_METHODS) expect(typeof api[method]).toBe('function');
  });

  it('returns values and drops omitted trailing arguments', async () => {
    const transport = tableTransport({
      listDirectory: { ok: true, value: { path: '/', parent: null, entries: [] } },
    });
    const api = createApi(transport);
    expect(await api.listDirectory()).toEqual({ path: '/', parent: null, entries: [] });
    expect(transport.calls).toEqual([['listDirectory', []]]);
  });

  it('rejects with the ApiError the envelope carries', async () => {
    const api = createApi(
      tableTransport({
        inspectModel: {
          ok: false,
          error: { code: 'MALFORMED_FILE', name: 'SafetensorsError', message: '/m: truncated' },
        },
      }),
    );
    const err = await api.inspectModel('/m').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'MALFORMED_FILE', name: 'SafetensorsError', message: '/m: truncated' });
  });

  it('rejects answers that are not envelopes', async () => {
    const transport = tableTransport({});
    transport.call = async () => ({ nope: true }) as unknown as ApiEnvelope<unknown>;
    await expect(createApi(transport).getAppInfo()).rejects.toThrow(
      'getAppInfo: the answer was not an API envelope',
    );
  });
});

describe('pickTransport', () => {
  it('uses HTTP in a browser and IPC when the preload defined window.tessera', () => {
    expect(pickTransport().kind).toBe('http');
    window.tessera = {
      call: async () => ({ ok: true, value: null }),
      onEvent: () => () => undefined,
      getPathForFile: () => '/dropped/file.safetensors',
    };
    const ipc = pickTransport();
    expect(ipc.kind).toBe('ipc');
    expect(ipc.pathForFile(new File([], 'file.safetensors'))).toBe('/dropped/file.safetensors');
    delete window.tessera;
  });
});
