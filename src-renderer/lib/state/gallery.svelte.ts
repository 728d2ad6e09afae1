// State of the Style gallery: a run's previews (checkpoint × prompt), its adapters and comparisons (base vs the
// adapter at strengths, or vs each checkpoint, rendered in the worker), the image open in the viewer, and the
// "try a prompt" panel that renders base and adapter images with the same seed for the compare slider.
import type {
  Comparison,
  GenerateRequest,
  GeneratedImage,
  RunAdapter,
  RunSummary,
  SampleInfo,
  TrainingApi,
} from '../../../src-main/api/training';
import { toErrorData, type ApiErrorData } from '../../../src-main/api/errors';
import { compareColumns, parseStrengths, type CompareKind } from '../gallery/comparison';
import { gridOf, type SampleGrid } from '../gallery/grid';
import { explainRenderError, type RenderProblem } from '../gallery/render-error';

export { gridOf, type SampleGrid } from '../gallery/grid';

/** An image shown full size: its file and a caption line. */
export interface ViewedImage {
  path: string;
  title: string;
}

export class GalleryState {
  runDir = $state('');
  /** The open project's runs, newest first (picking one needs no typed path). */
  runs = $state.raw<RunSummary[]>([]);
  samples = $state.raw<SampleInfo[]>([]);
  adapters = $state.raw<RunAdapter[]>([]);
  comparisons = $state.raw<Comparison[]>([]);
  /** Index of the comparison on screen (newest first). */
  shown = $state(0);
  viewer = $state.raw<ViewedImage | null>(null);
  error = $state.raw<ApiErrorData | null>(null);
  /** Comparison prompts, one per line, kohya options allowed (`--w 512 --h 512 --s 20 --d 7`). */
  comparePrompts = $state('');
  strengths = $state('0.5, 1');
  comparing = $state(false);
  compareProblem = $state.raw<RenderProblem | null>(null);
  busy = $state(false);
  renderProblem = $state.raw<RenderProblem | null>(null);
  request = $state<GenerateRequest>({
    modelPath: '',
    prompt: '',
    negative: '',
    seed: 42,
    steps: 20,
    cfg: 7,
    sampler: 'euler_a',
    width: 512,
    height: 512,
  });
  loraPath = $state('');
  strength = $state(1);
  base = $state.raw<GeneratedImage | null>(null);
  adapted = $state.raw<GeneratedImage | null>(null);
  readonly #api: TrainingApi;

  constructor(api: TrainingApi) {
    this.#api = api;
  }

  get grid(): SampleGrid {
    return gridOf(this.samples);
  }

  get comparison(): Comparison | null {
    return this.comparisons[this.shown] ?? null;
  }

  /** Lists a project's runs and shows the newest when no run is shown yet. */
  async loadRuns(project: string): Promise<void> {
    try {
      this.runs = await this.#api.listRuns(project);
      if (!this.runDir && this.runs.length) await this.load(this.runs[0].dir);
    } catch (err) {
      this.error = toErrorData(err);
    }
  }

  /** Reads a run's previews, adapters and comparisons; the preview prompts seed the comparison prompts. */
  async load(runDir: string = this.runDir): Promise<void> {
    this.runDir = runDir;
    try {
      const [samples, adapters, comparisons] = await Promise.all([
        this.#api.listSamples(runDir),
        this.#api.listRunAdapters(runDir),
        this.#api.listComparisons(runDir),
      ]);
      [this.samples, this.adapters, this.comparisons, this.shown] = [samples, adapters, comparisons, 0];
      if (!this.comparePrompts.trim()) this.comparePrompts = this.grid.prompts.join('\n');
      this.error = null;
    } catch (err) {
      this.error = toErrorData(err);
    }
  }

  /** Renders the comparison prompts for base + the final adapter at the strengths, or + every checkpoint. */
  async compare(kind: CompareKind): Promise<void> {
    const strengths = parseStrengths(this.strengths);
    const prompts = this.comparePrompts.split('\n').filter((p) => p.trim() !== '');
    const columns = compareColumns(this.adapters, kind, typeof strengths === 'string' ? [] : strengths);
    const invalid =
      typeof strengths === 'string'
        ? strengths
        : !prompts.length
          ? 'Type at least one prompt to compare.'
          : columns.length < 2
            ? 'This run has saved no adapter yet.'
            : null;
    if (invalid) {
      this.compareProblem = { summary: invalid, advice: '', detail: '' };
      return;
    }
    this.comparing = true;
    this.compareProblem = null;
    try {
      const made = await this.#api.renderComparison({
        modelPath: this.request.modelPath,
        runDir: this.runDir,
        prompts,
        columns,
        seed: this.request.seed,
      });
      [this.comparisons, this.shown] = [[made, ...this.comparisons], 0];
    } catch (err) {
      this.compareProblem = explainRenderError(toErrorData(err));
    } finally {
      this.comparing = false;
    }
  }

  /** Renders the prompt with the base model, then with the adapter at the chosen strength (same seed). */
  async tryPrompt(): Promise<void> {
    this.busy = true;
    this.renderProblem = null;
    try {
      this.base = await this.#api.generateImage({ ...this.request });
      this.adapted = this.loraPath
        ? await this.#api.generateImage({
            ...this.request,
            lora: { path: this.loraPath, strength: this.strength },
          })
        : null;
    } catch (err) {
      this.renderProblem = explainRenderError(toErrorData(err));
    } finally {
      this.busy = false;
    }
  }
}
