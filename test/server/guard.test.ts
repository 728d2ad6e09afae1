// Token and Host helpers of the web server's guard.
import { describe, expect, it } from 'vitest';
import { allowedHosts, isLoopback, newToken, tokenMatches } from '../../src-main/server/guard';

describe('guard helpers', () => {
  it('makes a different URL-safe token at every call', () => {
    const a = newToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(newToken()).not.toBe(a);
  });

  it('compares tokens exactly', () => {
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abd', 'abc')).toBe(false);
    expect(tokenMatches('ab', 'abc')).toBe(false);
    expect(tokenMatches(null, 'abc')).toBe(false);
  });

  it('knows loopback addresses', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', 'localhost'].map(isLoopback)).toEqual([true, true, true, true]);
    expect(['0.0.0.0', '192.168.1.2', '::'].map(isLoopback)).toEqual([false, false, false]);
  });

  it('answers to the bound host and localhost only', () => {
    expect([...allowedHosts('127.0.0.1', 8080)].sort()).toEqual(['127.0.0.1:8080', 'localhost:8080']);
    expect([...allowedHosts('::1', 9)].sort()).toEqual(['[::1]:9', 'localhost:9']);
    expect([...allowedHosts('192.168.1.2', 80)]).toEqual(['192.168.1.2:80']);
    expect(allowedHosts('0.0.0.0', 80).has('127.0.0.1:80')).toBe(true);
  });
});
