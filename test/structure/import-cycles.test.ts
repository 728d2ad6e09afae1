// The layers hold: no file of src-main/ or src-renderer/ reaches itself through imports (type-only ones
// count), and src-main/api/, the ground floor every other layer and the renderer share, imports nothing else.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildImportGraph, findCycles, importSpecifiers } from './import-graph';

const ROOT = resolve(__dirname, '../..');
const graph = buildImportGraph(ROOT, ['src-main', 'src-renderer']);

describe('the import graph', () => {
  it('holds the source files', () => {
    expect(graph.has('src-main/api/contract.ts')).toBe(true);
    expect(graph.has('src-renderer/App.svelte')).toBe(true);
    expect(graph.get('src-main/api/validate.ts')).toContain('src-main/api/errors.ts');
  });

  it('has no cycle', () => {
    const cycles = findCycles(graph).map((cycle) => cycle.join(' → '));
    expect(cycles).toEqual([]);
  });

  it('lets src-main/api/ import only src-main/api/', () => {
    const apiFiles = [...graph.keys()].filter((file) => file.startsWith('src-main/api/'));
    const outside = apiFiles.flatMap((file) =>
      graph
        .get(file)!
        .filter((target) => !target.startsWith('src-main/api/'))
        .map((target) => `${file} → ${target}`),
    );
    // Packages too (node:*, npm): the contract is plain TypeScript that preload and the browser can load.
    const packages = apiFiles.flatMap((file) =>
      importSpecifiers(readFileSync(join(ROOT, file), 'utf8'), file)
        .filter((specifier) => !specifier.startsWith('.'))
        .map((specifier) => `${file} → ${specifier}`),
    );
    expect(apiFiles.length).toBeGreaterThan(10);
    expect([...outside, ...packages]).toEqual([]);
  });
});
