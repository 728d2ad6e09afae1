// Every citation in code and docs must resolve in a plain clone: `docs/reference/<file>.md#<anchor>` and
// `docs/architecture.md#<anchor>` name a file and a heading that exist, and nothing points at documents kept
// outside the repository (`../shared/…`, the old note names, or a bare `§` whose document a clone lacks).
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const SCANNED = ['src-main', 'src-renderer', 'scripts', 'test', 'docs', 'README.md'];
const TEXT_FILE = /\.(ts|js|mjs|cjs|svelte|md|wgsl|json|toml|ya?ml|txt|html|css)$/;
const SKIPPED_DIRS = new Set(['node_modules', '.tmp', 'screenshots']);
// This file spells out forbidden forms in its own unit cases.
const SELF = path.relative(repoRoot, fileURLToPath(import.meta.url));

/** Public specifications a `§` may follow (on the same line, shortly before it). */
const PUBLIC_SPECS = ['WHATWG HTML', 'PNG spec'];

const FORBIDDEN: readonly { pattern: RegExp; why: string }[] = [
  { pattern: /\bshared\/(?:reference|design|data)\b/, why: 'cites a folder outside the repository' },
  { pattern: /'shared',\s*'(?:reference|design|data)'/, why: 'reads a folder outside the repository' },
  {
    pattern: /checkpoints-and-lora-formats|aesthetics-anchors/,
    why: 'names a note that is not in the repository',
  },
  { pattern: /(?<!\/|\[|\]\()ort-notes\b/, why: 'cites ort-notes without its docs/reference/ path' },
];

const CITATION =
  /\b(docs\/(?:reference\/[\w.-]+|architecture)\.md)((?:(?:,\s*|\s+and\s+)?#[\p{L}\p{N}_-]+)*)/gu;

interface Citation {
  line: number;
  /** Repository-relative path of the cited file. */
  target: string;
  anchor: string | null;
}

/** GitHub's heading anchor: inline markup dropped, lower case, punctuation removed, spaces as hyphens. */
function githubSlug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/`/g, '')
    .trim();
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors GitHub gives a markdown file's headings (repeats get -1, -2, …; fenced code is not a heading). */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fence: string | null = null;
  for (const line of markdown.split('\n')) {
    const f = /^\s*(```|~~~)/.exec(line);
    if (f) {
      if (fence === null) fence = f[1];
      else if (fence === f[1]) fence = null;
      continue;
    }
    if (fence !== null) continue;
    const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const slug = githubSlug(h[1]);
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

/** In-repo document citations in `text`: repository paths anywhere, relative markdown links in .md files. */
function findCitations(text: string, file: string): Citation[] {
  const out: Citation[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    // One file may be followed by several anchors: `docs/reference/x.md#a, #b and #c`.
    for (const m of line.matchAll(CITATION)) {
      const anchors = [...m[2].matchAll(/#([\p{L}\p{N}_-]+)/gu)].map((a) => a[1]);
      if (anchors.length === 0) out.push({ line: i + 1, target: m[1], anchor: null });
      for (const anchor of anchors) out.push({ line: i + 1, target: m[1], anchor });
    }
    if (!file.endsWith('.md')) return;
    for (const m of line.matchAll(/\]\(([^)\s#]*?\.md)?(?:#([^)\s]*))?\)/g)) {
      if (m[1] === undefined && m[2] === undefined) continue;
      if (m[1] !== undefined && /^[a-z]+:/.test(m[1])) continue;
      const target = m[1] === undefined ? file : path.posix.join(path.posix.dirname(file), m[1]);
      out.push({ line: i + 1, target, anchor: m[2] ?? null });
    }
  });
  return out;
}

/** Lines that cite something a clone does not have. */
function forbiddenCitations(text: string): { line: number; why: string }[] {
  const out: { line: number; why: string }[] = [];
  text.split('\n').forEach((line, i) => {
    for (const { pattern, why } of FORBIDDEN) if (pattern.test(line)) out.push({ line: i + 1, why });
    for (const m of line.matchAll(/§/g)) {
      const before = line.slice(Math.max(0, m.index - 24), m.index);
      if (!PUBLIC_SPECS.some((spec) => before.includes(spec))) {
        out.push({ line: i + 1, why: 'cites a bare § (use a docs/reference/…md#anchor)' });
      }
    }
  });
  return out;
}

/** Problems with citations, each as `file:line: message`; `read` returns a cited file's text or null. */
function checkCitations(
  file: string,
  citations: Citation[],
  read: (target: string) => string | null,
): string[] {
  const problems: string[] = [];
  for (const c of citations) {
    const doc = read(c.target);
    if (doc === null) problems.push(`${file}:${c.line}: ${c.target} does not exist`);
    else if (c.anchor !== null && !headingAnchors(doc).has(c.anchor)) {
      problems.push(`${file}:${c.line}: ${c.target} has no heading #${c.anchor}`);
    }
  }
  return problems;
}

function scannedFiles(): string[] {
  const files: string[] = [];
  const walk = (rel: string): void => {
    const abs = path.join(repoRoot, rel);
    if (!existsSync(abs)) return;
    if (statSync(abs).isFile()) {
      if (TEXT_FILE.test(rel)) files.push(rel);
      return;
    }
    for (const name of readdirSync(abs)) {
      if (!SKIPPED_DIRS.has(name)) walk(path.posix.join(rel, name));
    }
  };
  for (const top of SCANNED) walk(top);
  return files.filter((f) => f !== SELF);
}

function readRepoFile(target: string): string | null {
  const abs = path.join(repoRoot, target);
  return existsSync(abs) && statSync(abs).isFile() ? readFileSync(abs, 'utf8') : null;
}

describe('the citation checker', () => {
  it('slugs headings as GitHub does', () => {
    expect(githubSlug('External data')).toBe('external-data');
    expect(githubSlug('3. The engine')).toBe('3-the-engine');
    expect(githubSlug('run() blocks the JS thread')).toBe('run-blocks-the-js-thread');
    expect(githubSlug('The Florence-2 captioner (`src-main/caption/florence2/`)')).toBe(
      'the-florence-2-captioner-src-maincaptionflorence2',
    );
    expect(githubSlug('Where `ss_*` keys go')).toBe('where-ss_-keys-go');
    expect(githubSlug('See [the matrix](x.md#m)')).toBe('see-the-matrix');
  });

  it('numbers repeated headings and skips fenced code', () => {
    const md = ['# Notes', '## Setup', '```', '# not a heading', '```', '## Setup', '### Setup'].join('\n');
    expect([...headingAnchors(md)]).toEqual(['notes', 'setup', 'setup-1', 'setup-2']);
  });

  it('finds repository-path citations in code and relative links in markdown', () => {
    const ts = '// Facts: docs/reference/ort-notes.md#external-data, #graph-size and docs/architecture.md.';
    expect(findCitations(ts, 'src-main/x.ts')).toEqual([
      { line: 1, target: 'docs/reference/ort-notes.md', anchor: 'external-data' },
      { line: 1, target: 'docs/reference/ort-notes.md', anchor: 'graph-size' },
      { line: 1, target: 'docs/architecture.md', anchor: null },
    ]);
    const md =
      'See [a](lora-formats.md#hashes), [b](#where-alpha-lives), [c](https://x.org/a.md), [d](../architecture.md).';
    expect(findCitations(md, 'docs/reference/README.md')).toEqual([
      { line: 1, target: 'docs/reference/lora-formats.md', anchor: 'hashes' },
      { line: 1, target: 'docs/reference/README.md', anchor: 'where-alpha-lives' },
      { line: 1, target: 'docs/architecture.md', anchor: null },
    ]);
  });

  it('reports a missing file and a missing heading, and accepts a good citation', () => {
    const docs: Record<string, string> = { 'docs/reference/a.md': '# A\n## Known part\n' };
    const read = (t: string): string | null => docs[t] ?? null;
    const text = [
      'docs/reference/a.md#known-part',
      'docs/reference/a.md#known-part and #unknown-part',
      'docs/reference/b.md#anything',
    ].join('\n');
    expect(checkCitations('f.ts', findCitations(text, 'f.ts'), read)).toEqual([
      'f.ts:2: docs/reference/a.md has no heading #unknown-part',
      'f.ts:3: docs/reference/b.md does not exist',
    ]);
  });

  it('flags citations of documents outside the repository and bare §', () => {
    const text = [
      '// Facts: ../shared/reference/notes.md',
      "const p = path.resolve(root, '..', 'shared', 'data', 'clip-bpe');",
      '// see checkpoints-and-lora-formats §B.1',
      '// ORT pins it (ort-notes §5)',
      '// SSE is plain HTTP (WHATWG HTML §9.2); PNG spec §11.3.4',
      '// docs/reference/ort-notes.md#external-data',
    ].join('\n');
    expect(forbiddenCitations(text).map((p) => p.line)).toEqual([1, 2, 3, 3, 4, 4]);
  });
});

describe('citations in this repository', () => {
  const files = scannedFiles();

  it('scans the source, test and doc trees', () => {
    expect(files).toContain('docs/architecture.md');
    expect(files).toContain('docs/reference/README.md');
    expect(files.some((f) => f.startsWith('src-main/'))).toBe(true);
  });

  it('resolve to files and headings that exist', () => {
    const problems = files.flatMap((f) => {
      const text = readFileSync(path.join(repoRoot, f), 'utf8');
      return checkCitations(f, findCitations(text, f), readRepoFile);
    });
    expect(problems).toEqual([]);
  });

  it('never point outside the repository', () => {
    const problems = files.flatMap((f) =>
      forbiddenCitations(readFileSync(path.join(repoRoot, f), 'utf8')).map((p) => `${f}:${p.line}: ${p.why}`),
    );
    expect(problems).toEqual([]);
  });
});
