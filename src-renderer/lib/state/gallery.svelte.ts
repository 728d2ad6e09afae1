// State of the Gallery: a run's samples as a checkpoint × prompt grid, the open image, and the "try a prompt"
// panel that renders base and adapter images with the same seed for the compare slider.
import type {
  GenerateRequest,
  GeneratedImage,
  SampleInfo,
  TrainingApi,
} from '../../../src-main/api/training';
import { toErrorData, type ApiErrorData } from '../../../src-main/api/errors';

export interface SampleGrid {
  steps: number[];
  prompts: string[];
  /** cell(stepIndex, promptIndex) → sample or undefined */
  cells: Map<string, SampleInfo>;
}

/** Groups samples by checkpoint step (rows) and prompt (columns). @example gridOf(samples).steps */
export function gridOf(samples: readonly SampleInfo[]): SampleGrid {
  const steps = [...new Set(samples.map((s) => s.step))].sort((a, b) => a - b);
  const byIndex = new Map<number, string>();
  for (const s of samples) byIndex.set(s.index, s.prompt);
  const indices = [...byIndex.keys()].sort((a, b) => a - b);
  const cells = new Map<string, SampleInfo>();
  for (const s of samples) cells.set(`${steps.indexOf(s.step)}:${indices.indexOf(s.index)}`, s);
  return { steps, prompts: indices.map((i) => byIndex.get(i)!), cells };
}

export class GalleryState {
  runDir = $state('');
  samples = $state.raw<SampleInfo[]>([]);
  open = $state.raw<SampleInfo | null>(null);
  error = $state.raw<ApiErrorData | null>(null);
  busy = $state(false);
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

  async load(runDir: string = this.runDir): Promise<void> {
    this.runDir = runDir;
    try {
      this.samples = await this.#api.listSamples(runDir);
      this.error = null;
    } catch (err) {
      this.error = toErrorData(err);
    }
  }

  /** Renders the prompt with the base model, then with the adapter at the chosen strength (same seed). */
  async tryPrompt(): Promise<void> {
    this.busy = true;
    this.error = null;
    try {
      this.base = await this.#api.generateImage({ ...this.request });
      this.adapted = this.loraPath
        ? await this.#api.generateImage({
            ...this.request,
            lora: { path: this.loraPath, strength: this.strength },
          })
        : null;
    } catch (err) {
      this.error = toErrorData(err);
    } finally {
      this.busy = false;
    }
  }
}
