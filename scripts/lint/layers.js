// The layer table of src-main and the ESLint rule that enforces it (`tessera/layers`). Plain JavaScript so
// that eslint.config.js loads it without a TypeScript loader. docs/architecture.md#2-layers-each-a-folder-imports-point-only-downward shows the same table.
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Floors of src-main, lowest first. A folder imports its own files and folders on LOWER floors only; folders
 * on one floor are siblings that never import each other (train and sample meet in jobs).
 */
export const FLOORS = [
  ['api'],
  ['formats', 'random'],
  ['engine'],
  ['models'],
  ['lora'],
  ['dataset'],
  ['caption'],
  ['train', 'sample'],
  ['jobs'],
  ['core'],
  ['app', 'server', 'cli'],
];

/** What the renderer (src-renderer) may import from src-main (paths below src-main): the contract and the
 * pure PNG text reader; everything else there may pull Node modules into the page. */
export const RENDERER_MAY_IMPORT = ['api/', 'formats/png-text'];

/** Native packages and the only src-main paths that may import them (prefix of the path below src-main). */
export const PACKAGE_HOMES = {
  'onnxruntime-node': ['engine/runtime/'],
  sharp: ['dataset/'],
  electron: ['app/'],
};

const floorOf = new Map(FLOORS.flatMap((folders, floor) => folders.map((f) => [f, floor])));

/**
 * Why `fromFile` may not import `spec`, or null when it may. Paths are absolute or relative to the repo root.
 * @param {string} fromFile
 * @param {string} spec
 * @returns {string | null}
 */
export function layerProblem(fromFile, spec) {
  const from = area(resolve(ROOT, fromFile));
  if (!from) return null;
  if (!spec.startsWith('.')) return packageProblem(from, spec);
  const to = area(resolve(dirname(resolve(ROOT, fromFile)), spec));
  if (!to) return null;
  if (from.side === 'renderer') {
    if (to.side === 'renderer' || RENDERER_MAY_IMPORT.some((p) => to.path.startsWith(p))) return null;
    return `src-renderer must not import src-main/${to.path.replace(/\.[^./]+$/, '')}: the renderer sees only ${RENDERER_MAY_IMPORT.map((f) => `src-main/${f}`).join(' and ')} (docs/architecture.md#2-layers-each-a-folder-imports-point-only-downward)`;
  }
  if (to.side === 'renderer') return `src-main/${from.folder} must not import src-renderer`;
  if (to.folder === from.folder) return null;
  const a = floorOf.get(from.folder);
  const b = floorOf.get(to.folder);
  if (a === undefined)
    return `src-main/${from.folder} is not in the layer table (scripts/lint/layers.js FLOORS)`;
  if (b === undefined)
    return `src-main/${to.folder} is not in the layer table (scripts/lint/layers.js FLOORS)`;
  if (b < a) return null;
  const why = b === a ? 'a sibling on the same floor' : 'a higher floor';
  return `src-main/${from.folder} must not import src-main/${to.folder} (${why}); imports point only downward (docs/architecture.md#2-layers-each-a-folder-imports-point-only-downward)`;
}

/** @param {{side: string, folder: string, path: string}} from @param {string} spec */
function packageProblem(from, spec) {
  const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
  const homes = PACKAGE_HOMES[name];
  if (!homes) return null;
  if (from.side === 'main' && homes.some((h) => from.path.startsWith(h))) return null;
  return `${name} is imported only in ${homes.map((h) => `src-main/${h}`).join(', ')} (docs/architecture.md#2-layers-each-a-folder-imports-point-only-downward)`;
}

/** @param {string} abs @returns {{side: 'main' | 'renderer', folder: string, path: string} | null} */
function area(abs) {
  const rel = relative(ROOT, abs).split(sep).join('/');
  if (rel.startsWith('src-renderer/')) return { side: 'renderer', folder: '', path: rel.slice(13) };
  if (!rel.startsWith('src-main/')) return null;
  const path = rel.slice(9);
  const folder = path.includes('/') ? path.slice(0, path.indexOf('/')) : path.replace(/\.[^.]+$/, '');
  return { side: 'main', folder, path };
}

/** @type {import('eslint').Rule.RuleModule} */
const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'imports follow the layer table of docs/architecture.md' },
    schema: [],
  },
  create(context) {
    /** @param {{ source?: { type: string, value?: unknown } | null }} node */
    const check = (node) => {
      const source = node.source;
      if (!source || source.type !== 'Literal' || typeof source.value !== 'string') return;
      const problem = layerProblem(context.filename, source.value);
      if (problem) context.report({ node: /** @type {never} */ (source), message: problem });
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};

export const layersPlugin = { rules: { layers: rule } };
