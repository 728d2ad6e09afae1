// Florence-2 as an ImageCaptioner: one natural-language caption per image, for photographic or painterly
// styles where booru tags say little. Images go one at a time (beams are the decoder's batch).
import { florencePixels } from '../../dataset/florence-pixels';
import type { ImageCaptioner } from '../types';
import { BartTokenizer } from './bart-tokenizer';
import { loadFlorence2Config } from './config';
import { beamDecode, type DecodeSettings } from './generate';
import { Florence2Model, type Florence2SessionOptions } from './model';
import { taskPrompt, type Florence2Task } from './tasks';

export { FLORENCE2_TASKS, taskPrompt, type Florence2Task } from './tasks';
export type { Florence2SessionOptions } from './model';

export interface Florence2Options {
  task: Florence2Task;
  /** Beam width; default: the model's generation_config (3 for the published models); 1 is greedy. */
  beams?: number;
  /** Longest caption in tokens, `</s>` included; default 256. */
  maxNewTokens?: number;
  /** Reuse the decoder's key/value cache between steps (default true); false recomputes every step. */
  useCache?: boolean;
}

function positiveInt(value: number | undefined, name: string): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1))
    throw new Error(`Florence-2 ${name} must be a whole number ≥ 1, got ${value}`);
}

/**
 * Loads a Florence-2 folder (onnx-community layout) for captioning.
 * @example const c = await openFlorence2Captioner(dir, { task: 'detailed', beams: 3 }); await c.caption(['/p/cat.jpg']);
 */
export async function openFlorence2Captioner(
  folder: string,
  options: Florence2Options,
  session: Florence2SessionOptions = {},
): Promise<ImageCaptioner> {
  positiveInt(options.beams, 'beams');
  positiveInt(options.maxNewTokens, 'maxNewTokens');
  const prompt = taskPrompt(options.task);
  const config = await loadFlorence2Config(folder);
  const tokenizer = await BartTokenizer.fromFolder(folder);
  const promptIds = tokenizer.encode(prompt);
  const g = config.generation;
  // The decoder start token takes position 0, so a caption has at most maxPositions − 1 tokens.
  const longest = g.maxPositions === null ? Infinity : g.maxPositions - 1;
  const settings: DecodeSettings = {
    ...g,
    maxNewTokens: Math.min(options.maxNewTokens ?? g.maxNewTokens, longest),
  };
  const beams = options.beams ?? g.beams;
  const { width, height } = config.preprocess;
  const model = await Florence2Model.open(folder, session);
  return {
    kind: 'florence2',
    async caption(imagePaths, signal) {
      const captions: string[] = [];
      for (const path of imagePaths) {
        signal?.throwIfAborted();
        const pixels = await florencePixels(path, config.preprocess);
        const encoded = await model.encode(pixels, height, width, promptIds);
        const tokens = await beamDecode(
          model.scorer(encoded, options.useCache ?? true),
          settings,
          beams,
          signal,
        );
        captions.push(tokenizer.decode(tokens).trim());
      }
      return captions;
    },
    async dispose() {
      model.dispose();
    },
  };
}
