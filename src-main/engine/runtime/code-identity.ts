// The identity of the code that builds graphs: a digest of every file of the running bundle (out/main), or of
// the TypeScript sources when run from them (tests, tsx). A graph remembered by one build of Tessera is never
// reused by another, however small the change.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder the running code lies in: `src-main` from source, else the bundle folder holding `cli.js`.
 * @example codeRoot('/app/out/main/chunks/train-job-x1.js') // '/app/out/main'
 */
export function codeRoot(file: string = fileURLToPath(import.meta.url)): string {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir))
    if (dir.endsWith(`${sep}src-main`) || existsSync(join(dir, 'cli.js'))) return dir;
  return dirname(file);
}

/**
 * A hex digest of the `.ts`/`.js` files under `root`: their relative paths and contents, in path order.
 * @example digestOfCode('/app/out/main')
 */
export function digestOfCode(root: string): string {
  const files = readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ts|js|mjs|cjs)$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
  const h = createHash('sha256');
  for (const f of files) h.update(relative(root, f)).update('\0').update(readFileSync(f)).update('\0');
  return h.digest('hex').slice(0, 32);
}

let memo: string | undefined;

/** The running code's digest, computed once per process. @example recipe = { code: codeIdentity(), … } */
export function codeIdentity(): string {
  memo ??= digestOfCode(codeRoot());
  return memo;
}
