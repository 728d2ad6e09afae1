// Watches a dataset folder for edits made outside the app (a caption saved in an editor, images added
// or deleted in a file manager) and reports them debounced. Recursive fs.watch works on Linux from Node 20
// (checked on 20.20, new subfolders included), and natively on macOS and Windows.
import { watch, type FSWatcher } from 'node:fs';
import { isCaptionPath, isImagePath, listDataset, parseRepeatFolder } from './project-files';

/** Paths relative to the dataset folder, '/'-separated, as in `listDataset`. */
export interface DatasetChanges {
  added: string[];
  removed: string[];
  /** Images that were already known and were rewritten in place (their hash and thumbnail change). */
  changed: string[];
  /** Caption files written, created or deleted. */
  captionChanged: string[];
}

export interface WatchOptions {
  /** Quiet time before a batch of events is reported; editors write a file in several steps. */
  debounceMs?: number;
  onError?: (error: Error) => void;
}

export interface DatasetWatcher {
  close(): void;
}

/**
 * Starts watching `datasetDir`; `onChange` gets one merged report per burst of edits.
 * Example: `const w = await watchDataset('/p/dataset', (c) => refresh(c)); … w.close()`.
 */
export async function watchDataset(
  datasetDir: string,
  onChange: (changes: DatasetChanges) => void,
  options: WatchOptions = {},
): Promise<DatasetWatcher> {
  const known = new Set((await listDataset(datasetDir)).map((e) => e.rel));
  const touched = new Set<string>();
  let timer: NodeJS.Timeout | null = null;
  const flush = (): void => {
    timer = null;
    const batch = [...touched];
    touched.clear();
    classify(datasetDir, batch, known).then(
      (changes) => {
        if (
          changes.added.length +
            changes.removed.length +
            changes.changed.length +
            changes.captionChanged.length >
          0
        )
          onChange(changes);
      },
      (error: Error) => options.onError?.(error),
    );
  };
  const watcher: FSWatcher = watch(datasetDir, { recursive: true }, (_event, file) => {
    if (!file || isHidden(file)) return;
    touched.add(file.split('\\').join('/'));
    if (timer) clearTimeout(timer);
    timer = setTimeout(flush, options.debounceMs ?? 200);
  });
  watcher.on('error', (error: Error) => options.onError?.(error));
  return {
    close: () => {
      if (timer) clearTimeout(timer);
      watcher.close();
    },
  };
}

/** Temp files from atomic writes and editor swap files start with a dot somewhere in the path. */
function isHidden(rel: string): boolean {
  return rel.split(/[\\/]/).some((part) => part.startsWith('.'));
}

/** Only the layout `listDataset` reads counts: files in the root or in an `N_name` folder. */
function inDatasetLayout(rel: string): boolean {
  const parts = rel.split('/');
  return parts.length === 1 || (parts.length === 2 && parseRepeatFolder(parts[0]) !== null);
}

async function classify(root: string, rels: readonly string[], known: Set<string>): Promise<DatasetChanges> {
  const changes: DatasetChanges = { added: [], removed: [], changed: [], captionChanged: [] };
  const current = new Set((await listDataset(root)).map((e) => e.rel));
  for (const rel of rels) {
    if (isCaptionPath(rel) && inDatasetLayout(rel)) changes.captionChanged.push(rel);
    else if (isImagePath(rel) && current.has(rel) && known.has(rel)) changes.changed.push(rel);
  }
  // A folder moved in or out reports only its own name, so compare whole listings for additions and removals.
  for (const rel of current) if (!known.has(rel)) changes.added.push(rel);
  for (const rel of known) if (!current.has(rel)) changes.removed.push(rel);
  known.clear();
  for (const rel of current) known.add(rel);
  changes.changed = changes.changed.filter((rel) => !changes.added.includes(rel));
  for (const list of Object.values(changes)) list.sort();
  return changes;
}
