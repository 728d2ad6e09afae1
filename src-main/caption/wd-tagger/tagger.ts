// A WD tagger folder (`model.onnx` + `selected_tags.csv`) as an ImageCaptioner: images are padded,
// resized and packed per the model's input signature, run in batches, and scored into tags.
import { CaptionFileError } from '../errors';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { squareImage } from '../../dataset/image-decode';
import { createSession, type ProviderChoice } from '../../engine/runtime/providers';
import type { Session, SessionOptions } from '../../engine/runtime/session';
import { toF32, type TensorValue } from '../../engine/runtime/tensor-io';
import type { ImageCaptioner } from '../types';
import { parseSelectedTags, type TagLabel } from './labels';
import { selectTags, type TagOptions } from './postprocess';
import { taggerInput, toTaggerTensor, type TaggerInput } from './preprocess';

export interface WdTaggerOptions extends Partial<TagOptions> {
  /** Images per run when the model's batch axis is free (default 4). */
  batchSize?: number;
}

export interface WdTagger extends ImageCaptioner {
  readonly input: TaggerInput;
  readonly labels: readonly TagLabel[];
  /** Raw scores per image, one per label (for callers that want the numbers). */
  scores(imagePaths: readonly string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

function mismatchError(folder: string, labels: readonly TagLabel[], gives: string): CaptionFileError {
  return new CaptionFileError(
    `${join(folder, 'model.onnx')} outputs ${gives} but ${join(folder, 'selected_tags.csv')} lists ${labels.length} tags: the two files are not from the same model`,
  );
}

function checkOutput(session: Session, labels: readonly TagLabel[], folder: string): string {
  const output = session.outputs[0];
  const width = output?.shape[output.shape.length - 1];
  if (!output || output.shape.length !== 2 || (typeof width === 'number' && width !== labels.length))
    throw mismatchError(folder, labels, output ? `'${output.name}' [${output.shape.join(',')}]` : 'nothing');
  return output.name;
}

/**
 * Loads a tagger from its folder.
 * @example const tagger = await openWdTagger('/cache/caption-models/wd-swinv2-v3', { generalThreshold: 0.4 }); const [tags] = await tagger.caption(['/p/dataset/cat.png'])
 */
export async function openWdTagger(
  folder: string,
  options: WdTaggerOptions = {},
  sessionOptions: Omit<SessionOptions, 'providers'> = {},
  choice: ProviderChoice = {},
): Promise<WdTagger> {
  const labelFile = join(folder, 'selected_tags.csv');
  const labels = parseSelectedTags(await readFile(labelFile, 'utf8'), labelFile);
  const modelFile = join(folder, 'model.onnx');
  const { session } = await createSession(modelFile, sessionOptions, choice);
  try {
    const input = taggerInput(session.inputs[0], modelFile);
    const outputName = checkOutput(session, labels, folder);
    const batchSize = input.batch ?? Math.max(1, options.batchSize ?? 4);
    const mismatch = (gives: string) => mismatchError(folder, labels, gives);

    async function scores(paths: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
      const out: Float32Array[] = [];
      for (let i = 0; i < paths.length; i += batchSize) {
        signal?.throwIfAborted();
        const group = paths.slice(i, i + batchSize);
        const pixels = await Promise.all(
          group.map(async (path) => {
            try {
              return (await squareImage(path, input.size)).data;
            } catch (err) {
              throw new CaptionFileError(
                `${path}: cannot read the image (${err instanceof Error ? err.message : err})`,
                { cause: err },
              );
            }
          }),
        );
        // A model with a fixed batch axis gets its batch filled with white images.
        while (pixels.length < batchSize && input.batch !== null)
          pixels.push(new Uint8Array(input.size ** 2 * 3).fill(255));
        const dims = input.layout === 'NHWC' ? [input.size, input.size, 3] : [3, input.size, input.size];
        const result = await session.run({
          [input.name]: {
            dtype: 'f32',
            shape: [pixels.length, ...dims],
            data: toTaggerTensor(pixels, input),
          },
        });
        const all = toF32(result[outputName] as TensorValue);
        if (all.length !== pixels.length * labels.length)
          throw mismatch(`${all.length / pixels.length} scores`);
        for (let n = 0; n < group.length; n++)
          out.push(all.slice(n * labels.length, (n + 1) * labels.length));
      }
      return out;
    }

    return {
      kind: 'wd-tagger',
      input,
      labels,
      scores,
      async caption(paths, signal) {
        return (await scores(paths, signal)).map((s) => selectTags(s, labels, options).join(', '));
      },
      dispose() {
        session.dispose();
        return Promise.resolve();
      },
    };
  } catch (err) {
    session.dispose();
    throw err;
  }
}
