// The one table of captioning models Tessera offers, and the hub file URL of each file. Nothing here
// downloads: model-folder.ts fetches a model's files only when the user asks for it.
//
// Hashes and sizes: the hub could not be reached when this table was written and no public source seen
// stated the files' sha256, so no hash is pinned (never an invented one). Each file carries `unpinned` with
// the reason; a download is then checked against the sha256 the hub sends (`X-Linked-Etag` on its LFS
// files) and the hash it had is recorded in the model folder. Pin `sha256`/`size`/`revision` once known.
import { FLORENCE2_ONNX } from './florence2/config';
import { CaptionModelError } from './errors';
import type { CatalogueEntry, CatalogueFile } from './types';

/** The public model hub; `--hub` or $TESSERA_MODEL_HUB point elsewhere (a mirror, or a test server). */
export const DEFAULT_HUB = 'https://huggingface.co';

/** The hub every front door uses when none is given: $TESSERA_MODEL_HUB, else DEFAULT_HUB. @example defaultHub({}) // DEFAULT_HUB */
export function defaultHub(env: NodeJS.ProcessEnv = process.env): string {
  return env.TESSERA_MODEL_HUB || DEFAULT_HUB;
}

const UNPINNED =
  'sha256 and size not yet confirmed from a public source; checked against the hub and recorded on download';

function files(...paths: string[]): CatalogueFile[] {
  return paths.map((path) => ({ path, sha256: '', size: 0, unpinned: UNPINNED }));
}

const WD_FILES = files('model.onnx', 'selected_tags.csv');

function wd(id: string, repo: string, name: string, summary: string): CatalogueEntry {
  return {
    id,
    kind: 'wd-tagger',
    name,
    summary,
    licence: 'Apache-2.0',
    repo,
    revision: 'main',
    files: WD_FILES,
  };
}

const FLORENCE2_FILES = files(
  'config.json',
  'generation_config.json',
  'preprocessor_config.json',
  'tokenizer.json',
  ...Object.values(FLORENCE2_ONNX),
);

export const CATALOGUE: readonly CatalogueEntry[] = [
  wd(
    'wd-swinv2-v3',
    'SmilingWolf/wd-swinv2-tagger-v3',
    'WD SwinV2 tagger v3',
    'booru tags; the usual default',
  ),
  wd('wd-convnext-v3', 'SmilingWolf/wd-convnext-tagger-v3', 'WD ConvNeXt tagger v3', 'booru tags'),
  wd('wd-vit-v3', 'SmilingWolf/wd-vit-tagger-v3', 'WD ViT tagger v3', 'booru tags; the smallest v3'),
  wd('wd-vit-large-v3', 'SmilingWolf/wd-vit-large-tagger-v3', 'WD ViT-Large tagger v3', 'booru tags; slower'),
  wd(
    'wd-eva02-large-v3',
    'SmilingWolf/wd-eva02-large-tagger-v3',
    'WD EVA02-Large tagger v3',
    'booru tags; the most accurate, the slowest',
  ),
  wd(
    'wd-swinv2-v2',
    'SmilingWolf/wd-v1-4-swinv2-tagger-v2',
    'WD 1.4 SwinV2 tagger v2',
    'booru tags (older tag set)',
  ),
  wd(
    'wd-convnext-v2',
    'SmilingWolf/wd-v1-4-convnext-tagger-v2',
    'WD 1.4 ConvNeXt tagger v2',
    'booru tags (older tag set)',
  ),
  wd(
    'wd-convnextv2-v2',
    'SmilingWolf/wd-v1-4-convnextv2-tagger-v2',
    'WD 1.4 ConvNeXtV2 tagger v2',
    'booru tags (older tag set)',
  ),
  wd('wd-vit-v2', 'SmilingWolf/wd-v1-4-vit-tagger-v2', 'WD 1.4 ViT tagger v2', 'booru tags (older tag set)'),
  wd(
    'wd-moat-v2',
    'SmilingWolf/wd-v1-4-moat-tagger-v2',
    'WD 1.4 MOAT tagger v2',
    'booru tags (older tag set)',
  ),
  {
    id: 'florence2-base',
    kind: 'florence2',
    name: 'Florence-2 base',
    summary: 'sentence captions of photos and art',
    licence: 'MIT',
    repo: 'onnx-community/Florence-2-base-ft',
    revision: 'main',
    files: FLORENCE2_FILES,
  },
  {
    id: 'florence2-large',
    kind: 'florence2',
    name: 'Florence-2 large',
    summary: 'sentence captions; more detail, slower',
    licence: 'MIT',
    repo: 'onnx-community/Florence-2-large-ft',
    revision: 'main',
    files: FLORENCE2_FILES,
  },
];

/** The catalogue entry for an id, or an error listing the ids there are. @example catalogueEntry('wd-swinv2-v3').kind // 'wd-tagger' */
export function catalogueEntry(id: string): CatalogueEntry {
  const entry = CATALOGUE.find((e) => e.id === id);
  if (!entry)
    throw new CaptionModelError(
      `unknown captioning model "${id}"; known models: ${CATALOGUE.map((e) => e.id).join(', ')}`,
    );
  return entry;
}

/**
 * The hub's public URL of one file: `<hub>/<repo>/resolve/<revision>/<path>`.
 * @example fileUrl('https://hub.example', entry, entry.files[0]) // 'https://hub.example/SmilingWolf/wd-swinv2-tagger-v3/resolve/main/model.onnx'
 */
export function fileUrl(hub: string, entry: CatalogueEntry, file: CatalogueFile): string {
  const path = file.path.split('/').map(encodeURIComponent).join('/');
  return `${hub.replace(/\/+$/, '')}/${entry.repo}/resolve/${encodeURIComponent(entry.revision)}/${path}`;
}
