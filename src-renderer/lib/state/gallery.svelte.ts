// State of the Gallery: a run's samples as a checkpoint × prompt grid, the open image, and the "try a prompt"
// panel that renders base and adapter images with the same seed for the compare slider.
import type {
  GenerateRequest,
  GeneratedImage,
  SampleInfo,
  TrainingApi,
} from '../../../src-main/api/training';
import { toErrorData, type ApiErrorData } from '../../../src-main/api/errors';
import { gridOf, type SampleGrid } from '../gallery/grid';

export { gridOf, type SampleGrid } from '../gallery/grid';

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
