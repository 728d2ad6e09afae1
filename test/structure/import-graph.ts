// The import graph of the source folders and a cycle finder over it, for the layer tests beside it.
// Specifiers come from TypeScript's own pre-processor (static, type-only, re-export and dynamic imports alike).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** File → the files it imports, all as repository-relative paths with forward slashes. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

const SOURCE_EXTENSIONS = ['.ts', '.svelte.ts', '.svelte'];
const CANDIDATE_SUFFIXES = ['', '.ts', '.svelte.ts', '.svelte', '/index.ts'];

/**
 * Every cycle class of the graph: each strongly connected component with more than one file (or a file that
 * imports itself), given as one closed path through it that starts at its alphabetically first file.
 * @example findCycles(new Map([['a', ['b']], ['b', ['a']]])) // [['a', 'b', 'a']]
 */
export function findCycles(graph: ImportGraph): string[][] {
  return stronglyConnected(graph)
    .filter((files) => files.length > 1 || (graph.get(files[0]) ?? []).includes(files[0]))
    .map((files) => closedPath(graph, new Set(files)))
    .sort((a, b) => a[0].localeCompare(b[0]));
}

// Tarjan's algorithm, iterative so a deep import chain cannot overflow the stack.
function stronglyConnected(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let next = 0;
  for (const root of [...graph.keys()].sort()) {
    if (index.has(root)) continue;
    const work: { file: string; edge: number }[] = [{ file: root, edge: 0 }];
    index.set(root, next);
    low.set(root, next++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const targets = graph.get(frame.file) ?? [];
      if (frame.edge < targets.length) {
        const target = targets[frame.edge++];
        if (!index.has(target)) {
          index.set(target, next);
          low.set(target, next++);
          stack.push(target);
          onStack.add(target);
          work.push({ file: target, edge: 0 });
        } else if (onStack.has(target)) {
          low.set(frame.file, Math.min(low.get(frame.file)!, index.get(target)!));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].file;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.file)!));
      }
      if (low.get(frame.file) === index.get(frame.file)) {
        const component: string[] = [];
        let file: string;
        do {
          file = stack.pop()!;
          onStack.delete(file);
          component.push(file);
        } while (file !== frame.file);
        components.push(component.sort());
      }
    }
  }
  return components;
}

// A shortest way from the component's first file back to itself, by breadth-first search inside the component.
function closedPath(graph: ImportGraph, members: ReadonlySet<string>): string[] {
  const start = [...members].sort()[0];
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const target of graph.get(file) ?? []) {
      if (!members.has(target)) continue;
      if (target === start) return [...pathTo(cameFrom, file, start), start];
      if (cameFrom.has(target)) continue;
      cameFrom.set(target, file);
      queue.push(target);
    }
  }
  return [start];
}

function pathTo(cameFrom: ReadonlyMap<string, string>, file: string, start: string): string[] {
  const path = [file];
  while (path[0] !== start) path.unshift(cameFrom.get(path[0])!);
  return path;
}

/** The specifiers one file imports: `import`, `import type`, `export … from` and `import('…')`. */
export function importSpecifiers(source: string, fileName: string): string[] {
  const code = fileName.endsWith('.svelte') ? svelteScripts(source) : source;
  return ts.preProcessFile(code, true, true).importedFiles.map((file) => file.fileName);
}

function svelteScripts(source: string): string {
  return [...source.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((match) => match[1]).join('\n');
}

/** The import graph of every source file under `folders`, with relative specifiers resolved to files. */
export function buildImportGraph(root: string, folders: readonly string[]): ImportGraph {
  const graph = new Map<string, string[]>();
  for (const file of folders.flatMap((folder) => sourceFiles(join(root, folder)))) {
    const targets = importSpecifiers(readFileSync(file, 'utf8'), file)
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) => resolveSpecifier(file, specifier))
      .filter((target): target is string => target !== null);
    graph.set(toKey(root, file), [...new Set(targets.map((target) => toKey(root, target)))]);
  }
  return graph;
}

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return SOURCE_EXTENSIONS.some((extension) => entry.name.endsWith(extension)) ? [path] : [];
  });
}

// Vite suffixes (`?raw`, `?modulePath`) name the same file; a target that is no source file (a .wgsl, a .json) is no edge.
function resolveSpecifier(from: string, specifier: string): string | null {
  const base = resolve(dirname(from), specifier.replace(/\?.*$/, ''));
  for (const suffix of CANDIDATE_SUFFIXES) {
    const candidate = base + suffix;
    if (SOURCE_EXTENSIONS.some((extension) => candidate.endsWith(extension)) && isFile(candidate))
      return candidate;
  }
  return null;
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

function toKey(root: string, file: string): string {
  return relative(root, file).split('\\').join('/');
}
