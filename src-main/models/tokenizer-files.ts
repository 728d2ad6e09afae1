// Finds the CLIP BPE vocabulary (diffusers `tokenizer/`, OpenAI's merges gz beside the model, the app cache, or
// the copy that ships with the app in resources/clip-bpe/) and builds a CLIPTokenizer from it. Never touches the
// network. File names follow diffusers folders and OpenAI CLIP `clip/`.
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { CLIPTokenizer, type CLIPTokenizerOptions } from './tokenizer';

/** OpenAI's merges file as shipped in `openai/CLIP` `clip/` (MIT); the app ships it in resources/clip-bpe/. */
export const CLIP_BPE_FILE = 'bpe_simple_vocab_16e6.txt.gz';
/** The same merges as HF `merges.txt` (what earlier versions downloaded into the cache). */
export const CLIP_MERGES_FILE = 'merges.txt';
/** The folder holding the shipped vocabulary and its licence: `resources/clip-bpe` in the repository and npm
 * package, `<resources>/clip-bpe` in an installed app (electron-builder `extraResources`). */
export const CLIP_BPE_RESOURCE_DIR = 'clip-bpe';

export interface LoadTokenizerOptions extends CLIPTokenizerOptions {
  /** A model folder: a diffusers folder (with `tokenizer/`) or the folder holding a single-file checkpoint. */
  modelDir?: string;
  /** The diffusers tokenizer subfolder; SDXL's second encoder uses `tokenizer_2` (same vocabulary). */
  component?: 'tokenizer' | 'tokenizer_2';
  /** The app's cache folder (files a user or an earlier version put there). */
  cacheDir?: string;
  /** The folder holding the shipped vocabulary (default {@link bundledVocabDir}); `null` leaves it out. */
  resourceDir?: string | null;
}

/** Thrown when no source worked; `searched` lists every path looked at, in order. */
export class TokenizerFilesError extends Error {
  override name = 'TokenizerFilesError';
  constructor(
    message: string,
    readonly searched: string[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

type Source =
  | { kind: 'hf'; vocab: string; merges: string }
  | { kind: 'gz'; file: string }
  | { kind: 'merges'; file: string };

/** Folders that may hold `clip-bpe/`, nearest first, for code run from src-main/models/, out/main/ or
 * out/main/chunks/, in the repository or npm package (`<root>/resources`) or an installed app, whose bundle
 * sits in `<resources>/app.asar/out/main/` (`<resources>` itself). */
function resourceRoots(): string[] {
  const roots: string[] = [];
  // NOTE: Electron sets process.resourcesPath in the main and utility processes; plain Node does not.
  const electronResources = (process as { resourcesPath?: string }).resourcesPath;
  if (electronResources) roots.push(electronResources);
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 4; up++) {
    dir = path.dirname(dir);
    roots.push(path.join(dir, 'resources'), dir);
  }
  return roots;
}

/**
 * The shipped vocabulary's folder, or null when this install lacks it (a broken install: the error then says
 * where it looked).
 *
 * @example
 * bundledVocabDir(); // '/opt/Tessera/resources/clip-bpe' in an installed app
 */
export function bundledVocabDir(): string | null {
  for (const root of resourceRoots()) {
    const dir = path.join(root, CLIP_BPE_RESOURCE_DIR);
    if (existsSync(path.join(dir, CLIP_BPE_FILE))) return dir;
  }
  return null;
}

/**
 * Where {@link loadTokenizer} looks, in order: `modelDir/tokenizer/{vocab.json,merges.txt}`,
 * `modelDir/bpe_simple_vocab_16e6.txt.gz`, `cacheDir/bpe_simple_vocab_16e6.txt.gz`, `cacheDir/merges.txt`,
 * then the shipped `clip-bpe/bpe_simple_vocab_16e6.txt.gz`.
 *
 * @example
 * tokenizerSearchPaths({ cacheDir: '/cache', resourceDir: null }); // ['/cache/bpe_simple_vocab_16e6.txt.gz', '/cache/merges.txt']
 */
export function tokenizerSearchPaths(opts: LoadTokenizerOptions): string[] {
  return tokenizerSources(opts).map((s) => (s.kind === 'hf' ? path.dirname(s.vocab) + path.sep : s.file));
}

function tokenizerSources(opts: LoadTokenizerOptions): Source[] {
  const sources: Source[] = [];
  if (opts.modelDir) {
    const dir = path.join(opts.modelDir, opts.component ?? 'tokenizer');
    sources.push({ kind: 'hf', vocab: path.join(dir, 'vocab.json'), merges: path.join(dir, 'merges.txt') });
    sources.push({ kind: 'gz', file: path.join(opts.modelDir, CLIP_BPE_FILE) });
  }
  if (opts.cacheDir) {
    sources.push({ kind: 'gz', file: path.join(opts.cacheDir, CLIP_BPE_FILE) });
    sources.push({ kind: 'merges', file: path.join(opts.cacheDir, CLIP_MERGES_FILE) });
  }
  const resourceDir = opts.resourceDir === undefined ? bundledVocabDir() : opts.resourceDir;
  if (resourceDir) sources.push({ kind: 'gz', file: path.join(resourceDir, CLIP_BPE_FILE) });
  return sources;
}

/**
 * Loads the CLIP tokenizer from the first source that exists, else throws a {@link TokenizerFilesError} saying
 * where it looked. The shipped vocabulary is always among the sources, so this fails only on a broken install
 * (or when `resourceDir: null` leaves it out).
 *
 * @example
 * const tok = await loadTokenizer({ modelDir: '/models', cacheDir: '/cache' });
 * tok.encode('a photo of a cat'); // [320, 1125, 539, 320, 2368]
 */
export async function loadTokenizer(opts: LoadTokenizerOptions): Promise<CLIPTokenizer> {
  for (const source of tokenizerSources(opts)) {
    const tok = await tryLoad(source, opts);
    if (tok) return tok;
  }
  const searched = tokenizerSearchPaths(opts);
  throw new TokenizerFilesError(notFoundMessage(opts, searched), searched);
}

/** The CLIP BPE vocabulary every shipped or OpenAI source gives (256 bytes ×2, 48,894 merges, 2 specials). */
export const CLIP_VOCAB_SIZE = 49408;

/**
 * How many token ids the tokenizer {@link loadTokenizer} would pick can produce, without building it: the
 * entries of the model's own `tokenizer/vocab.json` when that comes first, else the CLIP vocabulary.
 *
 * @example
 * await tokenizerVocabSize({ modelDir: '/models/tiny-pipe' }); // 1000 (its own tokenizer/vocab.json)
 */
export async function tokenizerVocabSize(opts: LoadTokenizerOptions): Promise<number> {
  for (const source of tokenizerSources(opts)) {
    if (source.kind !== 'hf') return CLIP_VOCAB_SIZE;
    const vocab = await readIfExists(source.vocab);
    if (vocab && (await readIfExists(source.merges)))
      return Object.keys(JSON.parse(vocab.toString('utf8')) as object).length;
  }
  return CLIP_VOCAB_SIZE;
}

/**
 * The tokenizer a model's prompts are encoded with: its folder's own (a diffusers folder, or the folder
 * holding a single file), else the app cache's, else the shipped CLIP vocabulary.
 *
 * @example
 * const tok = await loadModelTokenizer('/models/v1-5.safetensors', '/cache');
 */
export async function loadModelTokenizer(modelPath: string, cacheDir?: string): Promise<CLIPTokenizer> {
  const modelDir = (await stat(modelPath)).isDirectory() ? modelPath : path.dirname(modelPath);
  return loadTokenizer({ modelDir, ...(cacheDir ? { cacheDir } : {}) });
}

async function tryLoad(source: Source, options: CLIPTokenizerOptions): Promise<CLIPTokenizer | null> {
  if (source.kind === 'hf') {
    const vocab = await readIfExists(source.vocab);
    const merges = await readIfExists(source.merges);
    if (!vocab || !merges) return null;
    return CLIPTokenizer.fromHF(vocab.toString('utf8'), merges.toString('utf8'), options);
  }
  const bytes = await readIfExists(source.file);
  if (!bytes) return null;
  const text = source.kind === 'gz' ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
  return CLIPTokenizer.fromMerges(text, options);
}

async function readIfExists(file: string): Promise<Buffer | null> {
  try {
    return await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw err;
  }
}

function notFoundMessage(opts: LoadTokenizerOptions, searched: string[]): string {
  const looked =
    searched.length > 0 ? searched.map((p) => `  - ${p}`).join('\n') : '  (no model or cache folder given)';
  const where = opts.cacheDir ?? opts.modelDir ?? 'the model folder';
  return (
    `CLIP tokenizer files not found (the copy that ships with Tessera is missing: reinstall). Looked in:\n${looked}\n` +
    `Put ${CLIP_BPE_FILE} (from github.com/openai/CLIP, folder clip/) or HF ${CLIP_MERGES_FILE} into ${where}, ` +
    `or use a diffusers model folder with tokenizer/vocab.json and tokenizer/merges.txt.`
  );
}
