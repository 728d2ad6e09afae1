// Static file resolution for the built renderer: inside the build folder only.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIME_TYPES, resolveStatic } from '../../src-main/server/static';

let dir: string;
let root: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-static-'));
  root = join(dir, 'ui');
  await mkdir(join(root, 'assets'), { recursive: true });
  await writeFile(join(root, 'index.html'), 'hi');
  await writeFile(join(root, 'assets', 'a b.js'), 'x');
  await writeFile(join(dir, 'ui-secret.txt'), 'no');
  await symlink(join(root, 'index.html'), join(root, 'assets', 'inside-link.html'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('resolveStatic', () => {
  it('maps URL paths to files, / to index.html, with %-escapes decoded', async () => {
    expect(await resolveStatic(root, '/')).toBe(join(root, 'index.html'));
    expect(await resolveStatic(root, '/assets/a%20b.js')).toBe(join(root, 'assets', 'a b.js'));
    expect(await resolveStatic(root, '/assets/inside-link.html')).toBe(join(root, 'index.html'));
  });

  it('returns null for folders, missing files, escapes and malformed paths', async () => {
    for (const path of [
      '/assets',
      '/nope.js',
      '/../ui-secret.txt',
      '/..%2fui-secret.txt',
      '/%2e%2e/ui-secret.txt',
      '/a%00b',
      '/%E0%A4%A',
    ]) {
      expect(await resolveStatic(root, path), path).toBeNull();
    }
    expect(await resolveStatic(join(dir, 'missing-root'), '/')).toBeNull();
  });

  it('has MIME types for what a Vite build emits', () => {
    expect(MIME_TYPES['.js']).toBe('text/javascript; charset=utf-8');
    expect(MIME_TYPES['.css']).toBe('text/css; charset=utf-8');
    expect(MIME_TYPES['.html']).toBe('text/html; charset=utf-8');
  });
});
