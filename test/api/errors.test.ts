// The envelope helpers and the error → code mapping, with the real error classes of lower layers.
import { describe, expect, it } from 'vitest';
import {
  ApiError,
  codeOf,
  fail,
  isEnvelope,
  ok,
  settle,
  toErrorData,
  unwrap,
} from '../../src-main/api/errors';
import { SafetensorsError } from '../../src-main/formats/safetensors/error';
import type { LoRAAdapter } from '../../src-main/lora/adapter-weights';
import { LoRAError } from '../../src-main/lora/errors';
import { exportKohya } from '../../src-main/lora/export-kohya';
import { ModelFormatError, pickleRefusal } from '../../src-main/models/errors';

describe('codeOf', () => {
  it('maps known error classes by name', () => {
    expect(codeOf(new SafetensorsError('/m/a.safetensors', 'header is not JSON'))).toBe('MALFORMED_FILE');
    expect(codeOf(pickleRefusal('/m/a.ckpt'))).toBe('UNSUPPORTED_FORMAT');
    expect(codeOf(new ModelFormatError('/m', 'not-a-model', 'no unet'))).toBe('UNSUPPORTED_FORMAT');
    expect(codeOf(new ApiError('NOT_FOUND', 'gone'))).toBe('NOT_FOUND');
    expect(codeOf(new TypeError('bug'))).toBe('INTERNAL');
    expect(codeOf('a string')).toBe('INTERNAL');
  });

  it('finds a file-system errno anywhere along the cause chain', () => {
    const enoent = Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
    expect(codeOf(enoent)).toBe('NOT_FOUND');
    expect(codeOf(new SafetensorsError('/m/a', 'cannot open (ENOENT)', { cause: enoent }))).toBe('NOT_FOUND');
    expect(codeOf(Object.assign(new Error('denied'), { code: 'EACCES' }))).toBe('PERMISSION_DENIED');
  });
});

describe('codeOf for user errors from deeper layers', () => {
  it('an allocation this machine cannot make is OUT_OF_MEMORY, not a bug', () => {
    let thrown: unknown = null;
    try {
      new ArrayBuffer(2 ** 45); // 32 TiB: V8 refuses with "Array buffer allocation failed"
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(RangeError);
    expect(codeOf(thrown)).toBe('OUT_OF_MEMORY');
  });

  it('a LoRA that cannot be used as asked is INVALID_ARGUMENT', async () => {
    const adapter = { family: 'unknown', modules: [], metadata: {} } as unknown as LoRAAdapter;
    const err = await exportKohya(adapter, '/nowhere/x.safetensors', { dtype: 'F16' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LoRAError);
    expect(codeOf(err)).toBe('INVALID_ARGUMENT');
  });
});

describe('envelopes', () => {
  it('wraps values and errors, keeping name and code, on one line', () => {
    expect(ok(3)).toEqual({ ok: true, value: 3 });
    const envelope = fail(new SafetensorsError('/m/a', 'line one\nline two'));
    expect(envelope).toEqual({
      ok: false,
      error: { code: 'MALFORMED_FILE', name: 'SafetensorsError', message: '/m/a: line one line two' },
    });
    expect(toErrorData(new Error('  two\r\n lines '))).toEqual({
      code: 'INTERNAL',
      name: 'Error',
      message: 'two lines',
    });
  });

  it('settles promises into envelopes', async () => {
    await expect(settle(async () => 'v')).resolves.toEqual({ ok: true, value: 'v' });
    const failed = await settle(async () => {
      throw new ApiError('INVALID_ARGUMENT', 'bad path');
    });
    expect(failed).toEqual({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', name: 'ApiError', message: 'bad path' },
    });
  });

  it('recognises envelopes from the wire and unwraps them', () => {
    expect(isEnvelope({ ok: true, value: null })).toBe(true);
    expect(isEnvelope({ ok: false, error: { code: 'NOT_FOUND', name: 'ApiError', message: 'x' } })).toBe(
      true,
    );
    expect(isEnvelope({ ok: false, error: { code: 'NOPE', message: 'x' } })).toBe(false);
    expect(isEnvelope({ ok: true })).toBe(false);
    expect(isEnvelope('ok')).toBe(false);
    expect(unwrap(ok(5))).toBe(5);
    const rethrown = (() => {
      try {
        unwrap(fail(new SafetensorsError('/f', 'truncated')));
      } catch (err) {
        return err;
      }
    })();
    expect(rethrown).toBeInstanceOf(ApiError);
    expect(rethrown).toMatchObject({
      code: 'MALFORMED_FILE',
      name: 'SafetensorsError',
      message: '/f: truncated',
    });
  });
});
