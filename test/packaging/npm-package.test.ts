// The npm package (`npm pack`, dry run: nothing is written or sent) ships the CLIP vocabulary and its licence
// where models/tokenizer-files.ts looks from out/main/ (`<package>/resources/clip-bpe`), and no sources or tests.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from './builder';

function packedFiles(): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    // NOTE: on Windows npm is npm.cmd, which Node starts only through a shell (the arguments are constants).
    shell: process.platform === 'win32',
  });
  const [pack] = JSON.parse(out) as { files: { path: string }[] }[];
  return pack.files.map((f) => f.path);
}

describe('the npm package', () => {
  it('holds the CLI launcher and the CLIP vocabulary with its licence, and no sources or tests', () => {
    const files = packedFiles();
    expect(files).toContain('bin/tessera.js');
    expect(files).toContain('resources/clip-bpe/bpe_simple_vocab_16e6.txt.gz');
    expect(files).toContain('resources/clip-bpe/LICENSE');
    expect(
      files.filter((f) => /^(src-main|src-renderer|test|scripts)\//.test(f) || f.endsWith('.map')),
    ).toEqual([]);
  });
});
