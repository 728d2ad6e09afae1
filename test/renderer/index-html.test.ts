// index.html's CSP meta tag must say exactly what core/csp.ts says (the header and Electron use that).
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../src-main/core/csp';

describe('src-renderer/index.html', () => {
  it('carries the one Content-Security-Policy', async () => {
    const html = await readFile('src-renderer/index.html', 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html);
    expect(meta?.[1]).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe');
  });
});
