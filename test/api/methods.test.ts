// API_METHODS covers TesseraApi: at compile time (the exported `true` constants) and at run time against
// the methods Services actually implements.
import { describe, expect, it } from 'vitest';
import type { ApiMethod, TesseraApi } from '../../src-main/api/contract';
import {
  API_METHODS,
  API_METHODS_COVER_CONTRACT,
  EVENT_NAMES_COVER_CONTRACT,
  isApiMethod,
  isEventName,
} from '../../src-main/api/methods';
import { ARG_SPECS } from '../../src-main/api/validate';
import { Services } from '../../src-main/core/services';

// A compile-time check of the check itself: a tuple missing a method does not type as `true`.
type Covers<All, Listed> = [Exclude<All, Listed>] extends [never] ? true : { missing: Exclude<All, Listed> };
// @ts-expect-error — 'listDirectory' is missing, so this must not compile.
const missingOne: Covers<ApiMethod, 'getAppInfo' | 'inspectModel'> = true;

describe('API_METHODS', () => {
  it('is proven complete at compile time', () => {
    expect(API_METHODS_COVER_CONTRACT).toBe(true);
    expect(EVENT_NAMES_COVER_CONTRACT).toBe(true);
    expect(missingOne).toBe(true);
  });

  /** Public Services methods that front doors call directly, never over the wire. */
  const FRONT_DOOR_HELPERS = ['dispose', 'thumbnailFile', 'imageFile', 'stageUpload'];

  it('lists exactly the methods Services implements, each once', () => {
    const services: TesseraApi = new Services({ mode: 'cli' });
    const implemented = Object.getOwnPropertyNames(Object.getPrototypeOf(services)).filter(
      (name) =>
        name !== 'constructor' &&
        !FRONT_DOOR_HELPERS.includes(name) &&
        typeof (services as unknown as Record<string, unknown>)[name] === 'function',
    );
    expect([...API_METHODS].sort()).toEqual(implemented.sort());
    expect(new Set(API_METHODS).size).toBe(API_METHODS.length);
  });

  it('has one argument row per method', () => {
    expect(Object.keys(ARG_SPECS).sort()).toEqual([...API_METHODS].sort());
  });

  it('recognises method and event names', () => {
    expect(isApiMethod('inspectModel')).toBe(true);
    expect(isApiMethod('constructor')).toBe(false);
    expect(isApiMethod(42)).toBe(false);
    expect(isEventName('app.log')).toBe(true);
    expect(isEventName('train.nothing')).toBe(false);
  });
});
