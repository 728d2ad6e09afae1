// Prints code lines per source folder and the engine's op count; fails when engine/ passes its
// line ceiling (tinygrad's sz.py habit). Raise ENGINE_CEILING only in a reviewed commit.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ENGINE_CEILING = 6000;
const ROOTS = ['src-main', 'src-renderer', 'shaders'];
const CODE = /\.(ts|svelte|wgsl|mjs|js)$/;

/** Non-blank lines that are not only a comment. */
export function codeLines(text: string): number {
  return text.split('\n').filter((line) => {
    const t = line.trim();
    return t !== '' && !t.startsWith('//') && !t.startsWith('*') && !t.startsWith('/*');
  }).length;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (CODE.test(name)) out.push(path);
  }
  return out;
}

function folderOf(file: string): string {
  const parts = relative('.', file).split('/');
  return parts
    .slice(0, parts[0] === 'src-main' ? 3 : 2)
    .join('/')
    .replace(/\.[a-z]+$/, '');
}

async function main(): Promise<void> {
  const perFolder = new Map<string, { files: number; lines: number }>();
  let engineLines = 0;
  for (const root of ROOTS) {
    for (const file of walk(root)) {
      const lines = codeLines(readFileSync(file, 'utf8'));
      const key = folderOf(file);
      const entry = perFolder.get(key) ?? { files: 0, lines: 0 };
      perFolder.set(key, { files: entry.files + 1, lines: entry.lines + lines });
      if (file.startsWith('src-main/engine/')) engineLines += lines;
    }
  }
  for (const [folder, { files, lines }] of [...perFolder].sort()) {
    console.log(`${folder.padEnd(36)} ${String(files).padStart(4)} files ${String(lines).padStart(7)} lines`);
  }
  const { OPS } = (await import('../src-main/engine/graph/ops')) as { OPS: Record<string, unknown> };
  console.log(`ops: ${Object.keys(OPS).length}`);
  console.log(`engine: ${engineLines} / ${ENGINE_CEILING} lines`);
  if (engineLines > ENGINE_CEILING) {
    console.error(
      `engine/ is over its ${ENGINE_CEILING}-line ceiling: simplify, or raise it in a reviewed commit`,
    );
    process.exit(1);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) void main();
