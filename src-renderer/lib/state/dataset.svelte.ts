// The Dataset screen's state as a runes class: the listing, filter and search, multi-selection, import
// progress and report, caption saves and bulk tag edits with undo. Re-lists when the folder changes on disk.
import type {
  DatasetImage,
  SkippedFile,
  ImportProgress,
  ImportSummary,
  TagEdit,
  TesseraApi,
} from '../../../src-main/api/contract';
import { toErrorData, type ApiErrorData } from '../../../src-main/api/errors';
import type { Transport, Uploader } from '../api/client';
import { countTags, filterImages, splitTags, type DatasetFilter } from '../dataset/filter';
import {
  clickSelect,
  EMPTY_SELECTION,
  pruneSelection,
  selectAll,
  type ClickModifiers,
  type Selection,
} from '../dataset/selection';

export class DatasetState {
  images = $state.raw<DatasetImage[]>([]);
  filter = $state.raw<DatasetFilter>({ kind: 'all' });
  search = $state('');
  selection = $state.raw<Selection>(EMPTY_SELECTION);
  loading = $state(false);
  /** The listing was read at least once (an empty dataset is known to be empty, not still loading). */
  listed = $state(false);
  error = $state.raw<ApiErrorData | null>(null);
  importing = $state.raw<ImportProgress | null>(null);
  report = $state.raw<ImportSummary | null>(null);
  undoDepth = $state(0);
  /** One line for the status region (screen readers hear it). */
  status = $state('');

  readonly visible = $derived(filterImages(this.images, this.filter, this.search));
  readonly tagCounts = $derived(countTags(this.images));
  readonly selected = $derived(this.images.filter((image) => this.selection.ids.has(image.rel)));
  /** The image the caption editor shows: the last clicked one if still selected, else the first selected. */
  readonly active = $derived(
    this.selected.find((image) => image.rel === this.selection.anchor) ?? this.selected[0] ?? null,
  );

  readonly project: string;
  readonly #api: TesseraApi;
  #listing = 0;

  constructor(api: TesseraApi, project: string) {
    this.#api = api;
    this.project = project;
  }

  /** Listens for import progress and on-disk changes; returns the unsubscribe function. */
  subscribe(onEvent: Transport['onEvent']): () => void {
    const offs = [
      onEvent('dataset.importProgress', (p) => {
        if (p.project === this.project) this.importing = p;
      }),
      onEvent('dataset.changed', (c) => {
        // An import writes many files; it re-lists once when it ends instead of on every burst.
        if (c.project === this.project && this.importing === null) void this.refresh();
      }),
    ];
    return () => offs.forEach((off) => off());
  }

  /** Re-reads the listing; a slower earlier call never overwrites a newer one. */
  async refresh(): Promise<void> {
    const ticket = ++this.#listing;
    this.loading = true;
    try {
      const listing = await this.#api.listDataset(this.project);
      if (ticket !== this.#listing) return;
      this.images = listing.images;
      this.undoDepth = listing.undoDepth;
      this.listed = true;
      this.selection = pruneSelection(
        this.selection,
        listing.images.map((i) => i.rel),
      );
      this.error = null;
    } catch (err) {
      if (ticket === this.#listing) this.error = toErrorData(err);
    } finally {
      if (ticket === this.#listing) this.loading = false;
    }
  }

  /** @example await dataset.importPaths(['/downloads/refs']) */
  async importPaths(paths: readonly string[], alreadySkipped: readonly SkippedFile[] = []): Promise<void> {
    const list = paths.map((p) => p.trim()).filter((p) => p !== '');
    if (list.length === 0 && alreadySkipped.length === 0) return;
    this.importing = { project: this.project, done: 0, total: 0, file: '' };
    this.report = null;
    try {
      const summary = list.length
        ? await this.#api.importImages(this.project, list)
        : { imported: [], skipped: [] };
      this.report = { imported: summary.imported, skipped: [...alreadySkipped, ...summary.skipped] };
      this.status = `Imported ${this.report.imported.length}, skipped ${this.report.skipped.length}.`;
      await this.refresh();
    } catch (err) {
      this.error = toErrorData(err);
    } finally {
      this.importing = null;
    }
  }

  /**
   * Web mode drops: uploads each file into one staging batch, then imports the batch. A file that cannot be
   * read (a dropped folder, say) lands in the skipped report with the reason.
   * @example await dataset.uploadAndImport([...event.dataTransfer.files], transport.upload)
   */
  async uploadAndImport(files: readonly File[], upload: Uploader): Promise<void> {
    const batch = `drop-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const staged: string[] = [];
    const failed: SkippedFile[] = [];
    this.report = null;
    for (const [i, file] of files.entries()) {
      this.importing = { project: this.project, done: i, total: files.length, file: file.name };
      this.status = `Uploading ${file.name}…`;
      try {
        staged.push(await upload(this.project, batch, file));
      } catch (err) {
        failed.push({ file: file.name, reason: `upload failed: ${toErrorData(err).message}` });
      }
    }
    await this.importPaths(staged, failed);
  }

  click(rel: string, mods: ClickModifiers): void {
    this.selection = clickSelect(
      this.selection,
      this.visible.map((i) => i.rel),
      rel,
      mods,
    );
  }

  selectAllVisible(): void {
    this.selection = selectAll(this.visible.map((i) => i.rel));
  }

  setFilter(filter: DatasetFilter): void {
    this.filter = filter;
  }

  /** Saves one caption and shows it at once, then re-lists (a listing read before the save is dropped). */
  async saveCaption(rel: string, caption: string): Promise<void> {
    try {
      await this.#api.writeCaption(this.project, rel, caption);
      this.images = this.images.map((i) => (i.rel === rel ? { ...i, caption, tags: splitTags(caption) } : i));
      this.status = `Caption of ${rel} saved.`;
      // NOTE: a re-list already in flight may have read the old .txt; it must not undo the save on screen.
      void this.refresh();
    } catch (err) {
      this.error = toErrorData(err);
    }
  }

  /** Applies a tag edit to the selection (or to `rels`), then re-lists. */
  async bulk(edit: TagEdit, rels: readonly string[] = [...this.selection.ids]): Promise<void> {
    if (rels.length === 0) return;
    try {
      const result = await this.#api.editTags(this.project, [...rels], edit);
      this.undoDepth = result.undoDepth;
      this.status = `Changed ${result.changed.length} caption(s).`;
      await this.refresh();
    } catch (err) {
      this.error = toErrorData(err);
    }
  }

  async undo(): Promise<void> {
    try {
      const result = await this.#api.undoTagEdit(this.project);
      this.undoDepth = result.undoDepth;
      this.status = `Restored ${result.restored.length} caption(s).`;
      await this.refresh();
    } catch (err) {
      this.error = toErrorData(err);
    }
  }
}
