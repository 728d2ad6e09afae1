// Argument validation as front doors use it: wire values in, typed arguments or INVALID_ARGUMENT out.
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src-main/api/errors';
import { validateArgs } from '../../src-main/api/validate';

function errorOf(call: () => unknown): ApiError {
  try {
    call();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected the call to throw');
}

describe('validateArgs', () => {
  it('returns well-formed arguments unchanged', () => {
    expect(validateArgs('inspectModel', ['/m/a.safetensors'])).toEqual(['/m/a.safetensors']);
    expect(validateArgs('listDirectory', [])).toEqual([]);
    expect(validateArgs('listDirectory', ['/models'])).toEqual(['/models']);
    expect(validateArgs('getAppInfo', [])).toEqual([]);
  });

  it('rejects missing, mistyped, empty and extra arguments with the argument named', () => {
    expect(errorOf(() => validateArgs('inspectModel', []))).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'inspectModel: path is required.',
    });
    expect(errorOf(() => validateArgs('inspectModel', [7])).message).toBe(
      'inspectModel: path must be a string, got number.',
    );
    expect(errorOf(() => validateArgs('inspectModel', ['  '])).message).toBe(
      'inspectModel: path must not be empty.',
    );
    expect(errorOf(() => validateArgs('inspectModel', ['/a\0b'])).code).toBe('INVALID_ARGUMENT');
    expect(errorOf(() => validateArgs('getAppInfo', [1])).message).toBe(
      'getAppInfo takes at most 0 argument(s), got 1.',
    );
    expect(errorOf(() => validateArgs('listDirectory', 'nope')).message).toBe(
      'listDirectory: arguments must be an array.',
    );
  });

  it('rejects unknown methods, including inherited object keys', () => {
    expect(errorOf(() => validateArgs('deleteEverything', [])).code).toBe('NOT_FOUND');
    expect(errorOf(() => validateArgs('constructor', [])).code).toBe('NOT_FOUND');
  });
});
