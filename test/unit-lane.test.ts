// Guards the fast lane: every file it names exists, and none of its test files reaches (through the repository's
// own modules, type-only imports aside) a package that starts a session, a process, a browser or a server.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UNIT_LANE, unitLaneFiles, unitLaneGlobs } from './unit-lane';

const ROOT = resolve(import.meta.dirname, '..');
/** What no unit test may load, with the reason. */
const FORBIDDEN: readonly [RegExp, string][] = [
  [/^onnxruntime-node$/, 'ONNX Runtime'],
  [/^(node:)?child_process$/, 'child processes'],
  [/^(node:)?worker_threads$/, 'worker threads'],
  [/^playwright(-core)?$/, 'a browser'],
  [/^(node:)?(http|https|net)$/, 'a server or sockets'],
  [/^sharp$/, 'native image decoding'],
];
const IMPORT =
  /^\s*(?:import|export)\s+(type\s+)?(?:[\w*{}\s,$]*?\s+from\s+)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;

/** Value imports of a source file (`import type` and `export type` lines are erased at build). */
function valueImports(source: string): string[] {
  return [...source.matchAll(IMPORT)].filter((m) => !m[1]).map((m) => (m[2] ?? m[3])!);
}

function resolveLocal(from: string, spec: string): string | null {
  const base = resolve(dirname(from), spec.replace(/\?.*$/, '').replace(/\.js$/, ''));
  for (const path of [base, `${base}.ts`, `${base}.svelte.ts`, join(base, 'index.ts')])
    if (existsSync(path) && statSync(path).isFile()) return path;
  return null;
}

/** The first forbidden package a file reaches, as the chain of files that leads to it; null when none. */
function forbiddenChain(file: string, seen = new Set<string>()): string[] | null {
  if (seen.has(file) || !/\.(ts|svelte)$/.test(file)) return null;
  seen.add(file);
  for (const spec of valueImports(readFileSync(file, 'utf8'))) {
    const hit = FORBIDDEN.find(([pattern]) => pattern.test(spec));
    if (hit) return [relative(ROOT, file), `${spec} (${hit[1]})`];
    const local = spec.startsWith('.') ? resolveLocal(file, spec) : null;
    const chain = local && forbiddenChain(local, seen);
    if (chain) return [relative(ROOT, file), ...chain];
  }
  return null;
}

describe('the unit lane', () => {
  it('names only test files that exist, each once', () => {
    const files = unitLaneFiles(ROOT);
    expect(files.filter((f) => !existsSync(join(ROOT, f)))).toEqual([]);
    expect(new Set(files).size).toBe(files.length);
    expect(files.length).toBeGreaterThan(100);
    expect(unitLaneGlobs({ 'test/a': '*', 'test/b': ['x'] })).toEqual([
      'test/a/**/*.test.ts',
      'test/b/x.test.ts',
    ]);
  });

  it('has no test that reaches ONNX Runtime, child processes, workers, a browser, a server or sharp', () => {
    const offenders = unitLaneFiles(ROOT)
      .filter((f) => existsSync(join(ROOT, f))) // a missing one fails the test above
      .map((f) => forbiddenChain(join(ROOT, f)))
      .filter((chain) => chain !== null)
      .map((chain) => chain.join(' → '));
    expect(offenders).toEqual([]);
  });

  it('catches a forbidden import however deep, and lets type-only imports pass', () => {
    const ort = 'onnxruntime-node'; // spelled through a variable so this file's own scan stays clean
    expect(valueImports(`import type { X } from '${ort}';\nimport { y } from './y';`)).toEqual(['./y']);
    expect(valueImports(`const session = await import('${ort}');`)).toEqual([ort]);
    const chain = forbiddenChain(join(ROOT, 'test/models/unet.test.ts'));
    expect(chain?.[0]).toBe('test/models/unet.test.ts');
    expect(chain?.at(-1)).toBe('onnxruntime-node (ONNX Runtime)');
    expect(chain?.length).toBeGreaterThan(2);
    expect(forbiddenChain(join(ROOT, 'src-main/engine/runtime/session.ts'))).toEqual([
      'src-main/engine/runtime/session.ts',
      'onnxruntime-node (ONNX Runtime)',
    ]);
    expect(Object.keys(UNIT_LANE)).not.toContain('test/e2e');
  });
});
