// ORT failure messages → what the user can do about them. One table; first match wins. Patterns are the texts
// ORT 1.30 prints (docs/reference/ort-notes.md#op-coverage, #external-data and #the-node-binding) plus the
// usual CUDA/DirectML OOM wording.

interface ErrorRule {
  pattern: RegExp;
  explain: string;
}

const RULES: readonly ErrorRule[] = [
  {
    pattern:
      /out of memory|Failed to allocate|bad_alloc|E_OUTOFMEMORY|CUDA_ERROR_OUT_OF_MEMORY|cudaErrorMemoryAllocation|GPUOutOfMemoryError|DXGI_ERROR_DEVICE_REMOVED/i,
    explain:
      'out of device memory: lower the resolution, batch size or rank, or enable gradient checkpointing',
  },
  {
    pattern:
      /Got invalid dimensions|invalid rank|dimension mismatch|Invalid input shape|ShapeInferenceError|Incompatible dimensions|cannot be reshaped|broadcast/i,
    explain:
      'a tensor shape does not fit the model: check the resolution bucket (multiples of 64 pixels) and batch size',
  },
  {
    pattern: /Unexpected input data type|Type Error|type mismatch/i,
    explain: 'a tensor has the wrong element type for the model',
  },
  {
    pattern: /Failed to get a WebGPU adapter|No supported adapter/i,
    explain: 'no usable GPU adapter for WebGPU: update the graphics driver, or use the CPU provider',
  },
  {
    pattern: /Failed to load shared library|cannot open shared object/i,
    explain: 'the GPU provider libraries are not installed (see README: CUDA provider install)',
  },
  {
    pattern:
      /not supported with ScatterND|Could not find an implementation|Kernel not found|not a registered function/i,
    explain:
      'the model uses an operation this provider cannot run (an engine bug: please report it with this message)',
  },
];

/** One line for the user, then ORT's own message. */
export function explainOrtError(err: unknown): string {
  // NOTE: ORT prefixes messages with its source path and a C++ signature; keep only the sentence.
  const raw = err instanceof Error ? err.message : String(err);
  const message = raw.replace(/\/onnxruntime_src\/\S+:\d+ (onnxruntime::[^(]*\([^)]*\)[^ ]* )?/g, '').trim();
  const rule = RULES.find((r) => r.pattern.test(message));
  const summary = rule ? rule.explain : 'the ONNX Runtime failed while running the model';
  return `${summary}\nONNX Runtime said: ${message}`;
}
