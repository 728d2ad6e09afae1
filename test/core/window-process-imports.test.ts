// ONNX Runtime lives only in the trainer worker: the services the window process (Electron main, web server)
// runs must never load it, not even through the caption layer. Walks the runtime imports (type-only ones are
// erased) from core/services.ts and from the worker, over the real source files.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const IMPORT = /^\s*(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;

/** Every file and package reached by runtime imports from `entry`. */
function reach(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      if (!spec.startsWith('.')) {
        packages.add(spec);
        continue;
      }
      const base = resolve(dirname(file), spec);
      const found = [`${base}.ts`, join(base, 'index.ts'), base].find(
        (p) => existsSync(p) && p.endsWith('.ts'),
      );
      if (found) visit(found);
    }
  };
  visit(resolve(entry));
  return { files, packages };
}

describe('where ONNX Runtime loads', () => {
  it('never in the window process: services (captioning included) import no ORT', () => {
    const { files, packages } = reach('src-main/core/services.ts');
    expect(files.has(resolve('src-main/core/captioning.ts'))).toBe(true);
    expect(packages.has('onnxruntime-node')).toBe(false);
    const runtime = [...files]
      .map((f) => relative('.', f))
      .filter((f) => f.startsWith('src-main/engine/runtime/session'));
    expect(runtime).toEqual([]);
  });

  it('in the worker, which opens the captioners', () => {
    const { files, packages } = reach('src-main/jobs/worker.ts');
    expect(files.has(resolve('src-main/caption/index.ts'))).toBe(true);
    expect(packages.has('onnxruntime-node')).toBe(true);
  });
});
