// docs/engine-ops.md is generated from the OPS and VJP tables and kept in sync (scripts/engine-ops-doc.ts).

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { OP_KINDS } from '../../src-main/engine/graph/ops';
import { formatOpsDoc, OPS_DOC, opsDocMain, renderOpsDoc } from '../../scripts/engine-ops-doc';

const dir = mkdtempSync(join(tmpdir(), 'tessera-ops-doc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('engine-ops-doc', () => {
  it('renders one row per op with its arity, attributes and VJP rule file', () => {
    const text = renderOpsDoc();
    expect(text).toContain(`ops: ${OP_KINDS.length}.`);
    for (const op of OP_KINDS) expect(text).toContain(`| \`${op}\` |`);
    expect(text).toMatch(/\| `Conv` \| 2–3 \| .*`group`=1.* \| autodiff\/rules\/conv.ts \|/);
    expect(text).toMatch(/\| `Concat` \| 1\+ \| `axis` \| autodiff\/rules\/movement.ts \|/);
    expect(text).toMatch(/\| `Greater` \| 2 \| – \| nondiff \|/);
  });

  it('the committed docs/engine-ops.md is up to date', async () => {
    expect(readFileSync(OPS_DOC, 'utf8')).toBe(await formatOpsDoc());
  });

  it('--check returns 1 for a stale or missing file; writing makes it pass', async () => {
    const stale = join(dir, 'stale.md');
    writeFileSync(stale, '# Engine ops\n');
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(await opsDocMain(['--check', stale])).toBe(1);
      expect(await opsDocMain(['--check', join(dir, 'missing.md')])).toBe(1);
      expect(errors.mock.calls.map((c) => String(c[0]))).toEqual([
        expect.stringContaining('stale.md is stale: run npx tsx scripts/engine-ops-doc.ts'),
        expect.stringContaining('missing.md: cannot read'),
      ]);
    } finally {
      errors.mockRestore();
    }
    expect(await opsDocMain([stale])).toBe(0);
    expect(readFileSync(stale, 'utf8')).toBe(readFileSync(OPS_DOC, 'utf8'));
    expect(await opsDocMain(['--check', stale])).toBe(0);
  });

  it('as a command, --check exits 1 on a stale file', async () => {
    const stale = join(dir, 'cli.md');
    writeFileSync(stale, 'old\n');
    const run = promisify(execFile);
    const script = join(import.meta.dirname, '../../scripts/engine-ops-doc.ts');
    const failed = await run(process.execPath, ['--import', 'tsx', script, '--check', stale]).then(
      () => null,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain('is stale');
  }, 20_000);
});
