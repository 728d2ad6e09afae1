// How a one-off worker task's failure reads: the worker's own error first, then how the process died.
import { describe, expect, it } from 'vitest';
import { workerFailure } from '../../src-main/jobs/worker-host';

const alive = { code: null, signal: null, stderr: '' };

describe('workerFailure', () => {
  it('keeps the worker’s own code and name, adding memory advice only to an out-of-memory error', () => {
    const oom = workerFailure(
      'Could not render',
      { type: 'failed', message: 'alloc', code: 'OUT_OF_MEMORY' },
      alive,
      'try a smaller size',
    );
    expect([oom.code, oom.message]).toEqual([
      'OUT_OF_MEMORY',
      'Could not render: alloc: not enough memory, try a smaller size',
    ]);
    const bad = workerFailure(
      'Captioning failed',
      { type: 'failed', message: 'no model.onnx', code: 'NOT_FOUND', name: 'CaptionModelError' },
      alive,
      'x',
    );
    expect([bad.code, bad.message, bad.name]).toEqual([
      'NOT_FOUND',
      'Captioning failed: no model.onnx',
      'CaptionModelError',
    ]);
  });

  it('says how the process died: SIGKILL as memory, other signals and exit codes with the last output', () => {
    expect(workerFailure('Captioning failed', null, { code: null, signal: 'SIGKILL', stderr: '' }).code).toBe(
      'OUT_OF_MEMORY',
    );
    expect(
      workerFailure('Render', null, { code: null, signal: 'SIGKILL', stderr: '' }, 'try a smaller size')
        .message,
    ).toBe('Render: the worker was killed (SIGKILL), most likely for lack of memory; try a smaller size');
    expect(
      workerFailure('Render', null, { code: null, signal: 'SIGSEGV', stderr: 'a\nsegfault\n' }).message,
    ).toBe('Render: the worker was killed (SIGSEGV) (last output: segfault)');
    expect(workerFailure('Render', null, { code: 3, signal: null, stderr: '' }).message).toBe(
      'Render: the worker exited with code 3',
    );
  });
});
