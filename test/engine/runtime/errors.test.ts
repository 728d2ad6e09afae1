import { describe, expect, it } from 'vitest';
import { explainOrtError } from '../../../src-main/engine/runtime/errors';

describe('explainOrtError', () => {
  it('turns device OOM into what to lower', () => {
    const msg = explainOrtError(new Error('CUDA failure 2: out of memory ; GPU=0'));
    expect(msg).toBe(
      'out of device memory: lower the resolution, batch size or rank, or enable gradient checkpointing\nONNX Runtime said: CUDA failure 2: out of memory ; GPU=0',
    );
  });
  it('recognizes a missing provider library and falls back to a generic line', () => {
    expect(
      explainOrtError(
        new Error('OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library'),
      ),
    ).toMatch(/provider libraries are not installed/);
    expect(explainOrtError('weird')).toBe(
      'the ONNX Runtime failed while running the model\nONNX Runtime said: weird',
    );
  });
});
