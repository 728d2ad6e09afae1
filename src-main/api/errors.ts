// Typed API errors and the {ok, value} / {ok: false, error} envelope every front door returns
// (Podman AI Lab's IPC envelope). Known error classes map to codes by name, so this file imports nothing.

export const API_ERROR_CODES = [
  'INVALID_ARGUMENT',
  'NOT_FOUND',
  'PERMISSION_DENIED',
  'UNSUPPORTED_FORMAT',
  'MALFORMED_FILE',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'OUT_OF_MEMORY',
  'DISK_FULL',
  'INTERNAL',
] as const;

export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/** What travels in an envelope: `name` is the original error class (e.g. `SafetensorsError`). */
export interface ApiErrorData {
  code: ApiErrorCode;
  name: string;
  message: string;
}

export type ApiEnvelope<T> = { ok: true; value: T } | { ok: false; error: ApiErrorData };

/** An error with an API code; thrown by services and validation, rebuilt by clients from envelopes. */
export class ApiError extends Error {
  readonly code: ApiErrorCode;

  constructor(code: ApiErrorCode, message: string, options: { name?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = options.name ?? 'ApiError';
  }
}

/** Error classes from lower layers, by `name`: the one place their meaning for a user is decided. */
export const CODE_BY_ERROR_NAME: Readonly<Record<string, ApiErrorCode>> = {
  SafetensorsError: 'MALFORMED_FILE',
  ModelFormatError: 'UNSUPPORTED_FORMAT',
  LoRAError: 'INVALID_ARGUMENT',
  TokenizerFilesError: 'NOT_FOUND',
  RegexTimeoutError: 'INVALID_ARGUMENT',
  // Captioning models: unknown id, not downloaded or incomplete folder; unreachable hub; wrong checksum.
  CaptionModelError: 'NOT_FOUND',
  CaptionFileError: 'UNSUPPORTED_FORMAT',
  DownloadError: 'NOT_FOUND',
  IntegrityError: 'MALFORMED_FILE',
};

/** Node file-system error codes, found on the error or anywhere along its `cause` chain. */
export const CODE_BY_ERRNO: Readonly<Record<string, ApiErrorCode>> = {
  ENOENT: 'NOT_FOUND',
  ENOTDIR: 'NOT_FOUND',
  EACCES: 'PERMISSION_DENIED',
  EPERM: 'PERMISSION_DENIED',
  EISDIR: 'INVALID_ARGUMENT',
  ENOSPC: 'DISK_FULL',
  EDQUOT: 'DISK_FULL',
};

const isApiErrorCode = (value: unknown): value is ApiErrorCode =>
  typeof value === 'string' && (API_ERROR_CODES as readonly string[]).includes(value);

function errnoCode(err: unknown, depth = 0): ApiErrorCode | null {
  if (!(err instanceof Error) || depth > 8) return null;
  const errno = (err as Error & { code?: unknown }).code;
  if (typeof errno === 'string' && errno in CODE_BY_ERRNO) return CODE_BY_ERRNO[errno];
  return errnoCode(err.cause, depth + 1);
}

/** How running out of memory reads: V8's typed-array allocation, ONNX Runtime's allocator, C++ `bad_alloc`. */
const OUT_OF_MEMORY_MESSAGE = /allocation failed|failed to allocate memory|bad_alloc|out of memory/i;

/** The API code for any thrown value. @example codeOf(new SafetensorsError('a', 'bad')) // 'MALFORMED_FILE' */
export function codeOf(err: unknown): ApiErrorCode {
  if (err instanceof ApiError) return err.code;
  if (err instanceof Error && OUT_OF_MEMORY_MESSAGE.test(err.message)) return 'OUT_OF_MEMORY';
  return errnoCode(err) ?? (err instanceof Error ? CODE_BY_ERROR_NAME[err.name] : undefined) ?? 'INTERNAL';
}

/** Envelope-ready data for any thrown value, on one line. @example toErrorData(new Error('x')) // { code: 'INTERNAL', name: 'Error', message: 'x' } */
export function toErrorData(err: unknown): ApiErrorData {
  const name = err instanceof Error ? err.name : 'Error';
  const raw = err instanceof Error ? err.message : String(err);
  const message = raw.replace(/\s*[\r\n]+\s*/g, ' ').trim() || name;
  return { code: codeOf(err), name, message };
}

/** @example ok(42) // { ok: true, value: 42 } */
export function ok<T>(value: T): ApiEnvelope<T> {
  return { ok: true, value };
}

/** @example fail(new ApiError('NOT_FOUND', 'no such file')) // { ok: false, error: { code: 'NOT_FOUND', … } } */
export function fail(err: unknown): ApiEnvelope<never> {
  return { ok: false, error: toErrorData(err) };
}

/** Runs a call and wraps its outcome. @example const envelope = await settle(() => services.getAppInfo()) */
export async function settle<T>(call: () => Promise<T>): Promise<ApiEnvelope<T>> {
  try {
    return ok(await call());
  } catch (err) {
    return fail(err);
  }
}

/** Shape check for envelopes arriving over a wire. */
export function isEnvelope(value: unknown): value is ApiEnvelope<unknown> {
  if (typeof value !== 'object' || value === null || !('ok' in value)) return false;
  if (value.ok === true) return 'value' in value;
  if (value.ok !== false || !('error' in value)) return false;
  const error = value.error as Partial<ApiErrorData> | null;
  return (
    typeof error === 'object' &&
    error !== null &&
    isApiErrorCode(error.code) &&
    typeof error.message === 'string'
  );
}

/** The value of an envelope, or its error rethrown as an ApiError with code and name intact. */
export function unwrap<T>(envelope: ApiEnvelope<T>): T {
  if (envelope.ok) return envelope.value;
  const { code, name, message } = envelope.error;
  throw new ApiError(code, message, { name });
}
