// The building blocks of argument checks: each returns null for a good value and plain words otherwise.
import { describe, expect, it } from 'vitest';
import {
  intIn,
  name,
  numberIn,
  objectOf,
  oneOf,
  pathList,
  pathString,
  text,
  textList,
} from '../../src-main/api/arg-checks';

describe('arg checks', () => {
  it('accepts good values and explains bad ones', () => {
    expect(pathString('/a.png')).toBeNull();
    expect(pathString('')).toBe('must not be empty');
    expect(text(1)).toBe('must be a string, got number');
    expect(name(' ')).toBe('must not be empty');
    expect(pathList(['/a', 2])).toBe('[1] must be a string, got number');
    expect(textList(['', 'b'])).toBeNull();
    expect(intIn(1, 3)(2)).toBeNull();
    expect(intIn(1, 3)(4)).toBe('must be a whole number from 1 to 3');
    expect(numberIn(0, 1)(Number.NaN)).toBe('must be a number from 0 to 1');
    expect(oneOf(['a', 'b'])('c')).toBe('must be one of a, b');
  });

  it('checks objects field by field, optional fields may be absent', () => {
    const check = objectOf({ path: [pathString], note: [text, 'optional'] });
    expect(check({ path: '/a' })).toBeNull();
    expect(check({ path: '/a', note: 3 })).toBe('note must be a string, got number');
    expect(check({})).toBe('path is required');
    expect(check([])).toBe('must be an object');
  });
});
