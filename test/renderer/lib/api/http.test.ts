// @vitest-environment jsdom
// The web-mode token: taken from ?token= once, kept for the tab, hidden from the address bar.
import { describe, expect, it } from 'vitest';
import { takeToken } from '../../../../src-renderer/lib/api/http';

describe('takeToken', () => {
  it('moves the token from the URL into session storage', () => {
    window.history.replaceState(null, '', '/?token=abc123&x=1#top');
    expect(takeToken()).toBe('abc123');
    expect(window.location.search).toBe('?x=1');
    expect(window.location.hash).toBe('#top');
    expect(window.sessionStorage.getItem('tessera.token')).toBe('abc123');
    // A reload without ?token= still finds it.
    window.history.replaceState(null, '', '/');
    expect(takeToken()).toBe('abc123');
  });

  it('returns null when the page was opened without a token', () => {
    window.sessionStorage.clear();
    window.history.replaceState(null, '', '/');
    expect(takeToken()).toBeNull();
  });
});
