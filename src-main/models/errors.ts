// The typed refusal for model files Tessera will not open: pickles (they can run code when loaded), files
// that are not safetensors, folders that are not diffusers pipelines, and models refused at inspection.
// Messages say what to do instead.

export type ModelFormatProblem = 'pickle' | 'not-safetensors' | 'not-a-model' | 'unusable';

export class ModelFormatError extends Error {
  override readonly name = 'ModelFormatError';
  readonly path: string;
  readonly problem: ModelFormatProblem;

  constructor(path: string, problem: ModelFormatProblem, message: string, options?: ErrorOptions) {
    super(message, options);
    this.path = path;
    this.problem = problem;
  }
}

/** Extensions of PyTorch pickle checkpoints (`torch.save` zip or raw pickle). */
export const PICKLE_EXTENSIONS = ['.ckpt', '.pt', '.pth', '.bin', '.pkl'] as const;

/** The refusal for a pickle checkpoint, with the ways to convert it. @example throw pickleRefusal('/m/model.ckpt') */
export function pickleRefusal(path: string): ModelFormatError {
  return new ModelFormatError(
    path,
    'pickle',
    `${path} is a PyTorch pickle checkpoint. Tessera does not open pickles: loading one can run arbitrary ` +
      'code hidden in the file. Convert it to .safetensors first, in an environment you trust: e.g. ' +
      'kohya sd-scripts or the diffusers conversion scripts (convert_original_stable_diffusion_to_diffusers.py, ' +
      'then save with safe_serialization), or the A1111 Checkpoint Merger / "Model Converter" extension with ' +
      'safetensors output. Most models are also published as .safetensors on their download page.',
  );
}

/** The refusal for a file that is not safetensors. @example throw notSafetensors('/m/a.gguf', 'unknown extension') */
export function notSafetensors(path: string, why: string, cause?: unknown): ModelFormatError {
  return new ModelFormatError(
    path,
    'not-safetensors',
    `${path} is not a readable .safetensors file (${why}). Tessera opens Stable Diffusion checkpoints and ` +
      'LoRAs as .safetensors files, or diffusers folders holding them.',
    cause === undefined ? undefined : { cause },
  );
}
