// Argument checks for every API method, one row per method: front doors run these before calling
// services, so a renderer bug or a hand-written HTTP request fails with INVALID_ARGUMENT, not a crash.
import type { ApiArgs, ApiMethod } from './contract';
import { ApiError } from './errors';
import { isApiMethod } from './methods';

/** Checks one argument; returns a complaint (what was wrong) or null. */
type ArgCheck = (value: unknown) => string | null;

interface ArgSpec {
  name: string;
  optional?: boolean;
  check: ArgCheck;
}

const MAX_PATH_CHARS = 4096;

const pathString: ArgCheck = (value) => {
  if (typeof value !== 'string') return `must be a string, got ${value === null ? 'null' : typeof value}`;
  if (value.trim() === '') return 'must not be empty';
  if (value.length > MAX_PATH_CHARS) return `must be at most ${MAX_PATH_CHARS} characters`;
  return value.includes('\0') ? 'must not contain NUL characters' : null;
};

/** The one table of method arguments; `satisfies` makes a new method without a row a type error. */
export const ARG_SPECS = {
  getAppInfo: [],
  inspectModel: [{ name: 'path', check: pathString }],
  listDirectory: [{ name: 'path', optional: true, check: pathString }],
} as const satisfies Record<ApiMethod, readonly ArgSpec[]>;

/**
 * Checks a method name and its arguments as they arrived over a wire; throws ApiError INVALID_ARGUMENT
 * (or NOT_FOUND for an unknown method) and returns the arguments typed on success.
 * @example const args = validateArgs('inspectModel', ['/m/a.safetensors']); await services.inspectModel(...args)
 */
export function validateArgs<M extends ApiMethod>(method: M, args: unknown): ApiArgs<M>;
export function validateArgs(method: string, args: unknown): unknown[];
export function validateArgs(method: string, args: unknown): unknown[] {
  if (!isApiMethod(method)) throw new ApiError('NOT_FOUND', `There is no API method "${method}".`);
  if (!Array.isArray(args)) throw new ApiError('INVALID_ARGUMENT', `${method}: arguments must be an array.`);
  const specs: readonly ArgSpec[] = ARG_SPECS[method];
  if (args.length > specs.length) {
    throw new ApiError(
      'INVALID_ARGUMENT',
      `${method} takes at most ${specs.length} argument(s), got ${args.length}.`,
    );
  }
  specs.forEach((spec, i) => {
    const value: unknown = args[i];
    if (value === undefined && spec.optional) return;
    const complaint = value === undefined ? 'is required' : spec.check(value);
    if (complaint) throw new ApiError('INVALID_ARGUMENT', `${method}: ${spec.name} ${complaint}.`);
  });
  return args;
}
