// The small argument checks every API method's row is built from (api/validate.ts, api/validate-training.ts):
// each returns a complaint in plain words, or null when the wire value is acceptable.

/** Checks one argument; returns a complaint (what was wrong) or null. */
export type ArgCheck = (value: unknown) => string | null;

export interface ArgSpec {
  name: string;
  optional?: boolean;
  check: ArgCheck;
}

const MAX_PATH_CHARS = 4096;
const MAX_TEXT_CHARS = 65_536;
const MAX_LIST_ITEMS = 100_000;

const typeOf = (value: unknown): string => (value === null ? 'null' : typeof value);

/** @example pathString('/a.png') // null */
export const pathString: ArgCheck = (value) => {
  if (typeof value !== 'string') return `must be a string, got ${typeOf(value)}`;
  if (value.trim() === '') return 'must not be empty';
  if (value.length > MAX_PATH_CHARS) return `must be at most ${MAX_PATH_CHARS} characters`;
  return value.includes('\0') ? 'must not contain NUL characters' : null;
};

/** @example text('') // null */
export const text: ArgCheck = (value) => {
  if (typeof value !== 'string') return `must be a string, got ${typeOf(value)}`;
  return value.length > MAX_TEXT_CHARS ? `must be at most ${MAX_TEXT_CHARS} characters` : null;
};

/** Non-empty text. @example name(' ') // 'must not be empty' */
export const name: ArgCheck = (value) =>
  text(value) ?? ((value as string).trim() === '' ? 'must not be empty' : null);

/** @example pathList(['/a']) // null */
export const pathList: ArgCheck = (value) => {
  if (!Array.isArray(value)) return 'must be an array of strings';
  if (value.length > MAX_LIST_ITEMS) return `must hold at most ${MAX_LIST_ITEMS} entries`;
  const bad = value.findIndex((item) => pathString(item) !== null);
  return bad < 0 ? null : `[${bad}] ${pathString(value[bad])}`;
};

/** A list of texts (prompts, trigger words). @example textList(['a']) // null */
export const textList: ArgCheck = (value) => {
  if (!Array.isArray(value)) return 'must be an array of strings';
  if (value.length > MAX_LIST_ITEMS) return `must hold at most ${MAX_LIST_ITEMS} entries`;
  const bad = value.findIndex((item) => text(item) !== null);
  return bad < 0 ? null : `[${bad}] ${text(value[bad])}`;
};

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A whole number in [min, max]. @example intIn(1, 10)(3) // null */
export const intIn =
  (min: number, max: number): ArgCheck =>
  (value) =>
    Number.isInteger(value) && Number(value) >= min && Number(value) <= max
      ? null
      : `must be a whole number from ${min} to ${max}`;

/** A finite number in [min, max]. @example numberIn(0, 2)(1.5) // null */
export const numberIn =
  (min: number, max: number): ArgCheck =>
  (value) =>
    typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max
      ? null
      : `must be a number from ${min} to ${max}`;

/** One of a fixed list. @example oneOf(['a', 'b'])('c') // 'must be one of a, b' */
export const oneOf =
  (values: readonly string[]): ArgCheck =>
  (value) =>
    typeof value === 'string' && values.includes(value) ? null : `must be one of ${values.join(', ')}`;

/**
 * Checks an object's fields against a table; fields marked optional may be absent.
 * @example objectOf({ path: [pathString] })({ path: '/a' }) // null
 */
export function objectOf(fields: Readonly<Record<string, readonly [ArgCheck, 'optional'?]>>): ArgCheck {
  return (value) => {
    if (!isRecord(value)) return 'must be an object';
    for (const [field, [check, optional]] of Object.entries(fields)) {
      const v = value[field];
      if (v === undefined && optional) continue;
      const complaint = v === undefined ? 'is required' : check(v);
      if (complaint) return `${field} ${complaint}`;
    }
    return null;
  };
}
