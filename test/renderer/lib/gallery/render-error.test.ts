// Render failures in user language: short, about rendering, the raw text kept for "details".
import { describe, expect, it } from 'vitest';
import { explainRenderError } from '../../../../src-renderer/lib/gallery/render-error';

// The shape of a real ORT failure as the worker relays it (660 characters with training advice).
const ORT_OOM =
  'Could not render "a cat" (1024×1024): Non-zero status code returned while running MatMul node. Name:\'/unet/mid/attn/MatMul\' Status Message: /onnxruntime_src/onnxruntime/core/framework/bfc_arena.cc:376 void* onnxruntime::BFCArena::AllocateRawInternal(size_t, bool, onnxruntime::Stream*, bool, onnxruntime::WaitNotificationFn) Failed to allocate memory for requested buffer of size 4294967296 (out of device memory: lower the resolution, batch size or rank, or enable gradient checkpointing)';

describe('explainRenderError', () => {
  it('turns an out-of-memory ORT dump into one sentence with rendering advice', () => {
    const p = explainRenderError({ code: 'INTERNAL', name: 'Error', message: ORT_OOM });
    expect(p.summary).toBe('Not enough memory to render this image.');
    expect(p.advice).toMatch(/smaller size/);
    expect(p.advice).not.toMatch(/batch size|rank|gradient/);
    expect(p.detail).toBe(ORT_OOM);
    expect(explainRenderError({ code: 'OUT_OF_MEMORY', name: 'Error', message: 'killed' }).summary).toMatch(
      /memory/,
    );
  });

  it('names the multiple a size must be', () => {
    const p = explainRenderError({
      code: 'INVALID_ARGUMENT',
      name: 'Error',
      message: 'width must be a multiple of 8',
    });
    expect(p.advice).toMatch(/multiples of 8 pixels/);
  });

  it('explains missing files, unreadable models and device failures', () => {
    expect(explainRenderError({ code: 'NOT_FOUND', name: 'E', message: 'no /m.safetensors' }).summary).toBe(
      'A file is missing.',
    );
    expect(explainRenderError({ code: 'MALFORMED_FILE', name: 'E', message: 'bad header' }).summary).toMatch(
      /cannot be read/,
    );
    expect(explainRenderError({ code: 'INTERNAL', name: 'E', message: 'CUDA error 999' }).summary).toMatch(
      /graphics device/,
    );
  });

  it('falls back to a general sentence and keeps the raw text', () => {
    const p = explainRenderError({ code: 'INTERNAL', name: 'E', message: 'something odd' });
    expect(p).toEqual({
      summary: 'The image could not be rendered.',
      advice: expect.stringMatching(/details/),
      detail: 'something odd',
    });
  });
});
