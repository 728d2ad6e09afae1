// The message of the INVALID_ARGUMENT error a validation throws, for tests that compare what users read.
import { ApiError } from '../../src-main/api/errors';

/** @example expect(invalidArgumentMessage(() => validateArgs('exportAdapter', [null]))).toMatch(/must be an object/) */
export function invalidArgumentMessage(call: () => unknown): string {
  try {
    call();
  } catch (err) {
    if (err instanceof ApiError && err.code === 'INVALID_ARGUMENT') return err.message;
    throw err;
  }
  throw new Error('expected INVALID_ARGUMENT');
}
