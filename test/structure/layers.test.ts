// The layer table is enforced by `npm run lint`: an upward import, a sibling import, a native package outside
// its home or a renderer import of the main process's internals fails with the rule's name, tessera/layers.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { FLOORS, layerProblem } from '../../scripts/lint/layers.js';

const ROOT = resolve(import.meta.dirname, '../..');

async function lintProbe(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: ROOT });
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) });
  return result.messages.filter((m) => m.ruleId === 'tessera/layers').map((m) => m.message);
}

describe('layer rule', () => {
  it('fails npm run lint on an upward import, naming the rule', async () => {
    const messages = await lintProbe(
      'src-main/models/upward-probe.ts',
      "import type { JobInfo } from '../core/jobs';\nexport type X = JobInfo;\n",
    );
    expect(messages).toEqual([expect.stringContaining('src-main/models must not import src-main/core')]);
  });

  it('lets a downward import through', async () => {
    const messages = await lintProbe(
      'src-main/models/downward-probe.ts',
      "import { readSafetensorsHeader } from '../formats/safetensors/index';\nexport const f = readSafetensorsHeader;\n",
    );
    expect(messages).toEqual([]);
  });

  it('keeps siblings apart, native packages home, and the renderer on the contract', () => {
    expect(layerProblem('src-main/train/x.ts', '../sample/txt2img')).toMatch(/sibling/);
    expect(layerProblem('src-main/sample/x.ts', 'sharp')).toMatch(
      /sharp is imported only in src-main\/dataset/,
    );
    expect(layerProblem('src-main/dataset/x.ts', 'sharp')).toBeNull();
    expect(layerProblem('src-main/models/x.ts', 'onnxruntime-node')).toMatch(/engine\/runtime/);
    expect(layerProblem('src-renderer/lib/x.ts', '../../src-main/core/jobs')).toMatch(/renderer sees only/);
    expect(layerProblem('src-renderer/lib/x.ts', '../../src-main/api/contract')).toBeNull();
    expect(layerProblem('src-renderer/lib/x.ts', '../../src-main/formats/png-text')).toBeNull();
    expect(layerProblem('src-renderer/lib/x.ts', '../../src-main/formats/safetensors/index')).toMatch(
      /renderer sees only/,
    );
    expect(layerProblem('src-main/api/x.ts', '../train/config')).toMatch(/higher floor/);
    expect(layerProblem('src-main/cli/commands/x.ts', '../../core/jobs')).toBeNull();
  });

  it('is the table docs/architecture.md shows', () => {
    const doc = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');
    const rows = [...doc.matchAll(/^\| (\d+) +\| ([^|]+)\|/gm)].map((m) => ({
      floor: Number(m[1]),
      folders: [...m[2].matchAll(/`([a-z-]+)\/`/g)].map((f) => f[1]),
    }));
    expect(rows).toEqual(FLOORS.map((folders, floor) => ({ floor, folders })));
  });

  it('names every folder of src-main in the table', () => {
    const folders = readdirSync(join(ROOT, 'src-main'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    const table = FLOORS.flat();
    expect(folders.filter((f) => !table.includes(f))).toEqual([]);
  });
});
