// The cycle finder and the specifier reader behind import-cycles.test.ts, on hand-made inputs, so that test
// can be trusted to fail when a cycle appears.
import { describe, expect, it } from 'vitest';
import { findCycles, importSpecifiers } from './import-graph';

describe('findCycles', () => {
  it('finds nothing in a graph without a cycle', () => {
    const layered = new Map([
      ['app.ts', ['core.ts', 'api.ts']],
      ['core.ts', ['train.ts', 'api.ts']],
      ['train.ts', ['api.ts']],
      ['api.ts', []],
    ]);
    expect(findCycles(layered)).toEqual([]);
  });

  it('names each cycle as a closed path from its alphabetically first file', () => {
    const tangled = new Map([
      ['models.ts', ['api.ts']],
      ['api.ts', ['train.ts']],
      ['train.ts', ['models.ts', 'rng.ts']],
      ['rng.ts', []],
      ['nn.ts', ['builder.ts']],
      ['builder.ts', ['nn.ts']],
    ]);
    expect(findCycles(tangled)).toEqual([
      ['api.ts', 'train.ts', 'models.ts', 'api.ts'],
      ['builder.ts', 'nn.ts', 'builder.ts'],
    ]);
  });

  it('counts a file that imports itself', () => {
    expect(findCycles(new Map([['self.ts', ['self.ts']]]))).toEqual([['self.ts', 'self.ts']]);
  });
});

describe('importSpecifiers', () => {
  it('reads static, type-only, re-export and dynamic imports, and Svelte script blocks', () => {
    const ts = [
      "import { a } from './a';",
      "import type { B } from '../b';",
      "export type { C } from './c';",
      "export * from './d';",
      "const e = await import('./e');",
      "import workerPath from './worker?modulePath';",
    ].join('\n');
    expect(importSpecifiers(ts, 'x.ts')).toEqual(['./a', '../b', './c', './d', './e', './worker?modulePath']);
    const svelte =
      "<script lang=\"ts\">\n  import type { T } from './t';\n</script>\n<p>import nothing from './p'</p>";
    expect(importSpecifiers(svelte, 'X.svelte')).toEqual(['./t']);
  });
});
