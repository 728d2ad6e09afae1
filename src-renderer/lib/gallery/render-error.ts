// A failed render in the user's words, for the line next to the Render button: one short sentence, advice about
// rendering (never the training advice ONNX Runtime failures carry), and the raw text kept for a "details"
// toggle. One table; first match wins. Pure.
import type { ApiErrorData } from '../../../src-main/api/errors';

export interface RenderProblem {
  summary: string;
  advice: string;
  /** The original message, shown only on request. */
  detail: string;
}

interface Rule {
  matches: (error: ApiErrorData) => boolean;
  summary: string;
  advice: (error: ApiErrorData) => string;
}

const OOM =
  /out of memory|Failed to allocate|bad_alloc|E_OUTOFMEMORY|CUDA_ERROR_OUT_OF_MEMORY|cudaErrorMemoryAllocation|GPUOutOfMemoryError|SIGKILL/i;

const RULES: readonly Rule[] = [
  {
    matches: (e) => e.code === 'OUT_OF_MEMORY' || OOM.test(e.message),
    summary: 'Not enough memory to render this image.',
    advice: () => 'Try a smaller size (512×512 or less), or close other programs using the graphics card.',
  },
  {
    matches: (e) => /multiple of \d+/i.test(e.message),
    summary: 'This size does not fit the model.',
    advice: (e) =>
      `Width and height must be multiples of ${/multiple of (\d+)/i.exec(e.message)![1]} pixels, e.g. 512×512.`,
  },
  {
    matches: (e) => e.code === 'NOT_FOUND',
    summary: 'A file is missing.',
    advice: () => 'Check the base model and adapter paths: the file may have been moved or deleted.',
  },
  {
    matches: (e) => e.code === 'UNSUPPORTED_FORMAT' || e.code === 'MALFORMED_FILE',
    summary: 'The model or adapter cannot be read.',
    advice: () =>
      'Choose the base model the adapter was trained on, as a .safetensors file or diffusers folder.',
  },
  {
    matches: (e) => /WebGPU|CUDA|DirectML|CoreML|provider|shared library/i.test(e.message),
    summary: 'The graphics device failed while rendering.',
    advice: () => 'Try again with a smaller size; if it repeats, set the device to CPU in the Start screen.',
  },
  {
    matches: (e) => e.code === 'INVALID_ARGUMENT',
    summary: 'A setting is not valid.',
    advice: (e) => e.message,
  },
];

/**
 * @example explainRenderError({ code: 'OUT_OF_MEMORY', name: 'OrtError', message: '…bad_alloc…' }).advice // 'Try a smaller size …'
 */
export function explainRenderError(error: ApiErrorData): RenderProblem {
  const rule = RULES.find((r) => r.matches(error));
  return {
    summary: rule?.summary ?? 'The image could not be rendered.',
    advice: rule ? rule.advice(error) : 'Try again with fewer steps or a smaller size; the details say more.',
    detail: error.message,
  };
}
