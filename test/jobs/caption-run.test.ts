// The worker's captioning loop over a hand-written captioner (the ORT-backed ones are tested in test/caption/
// and end to end in test/core/services-caption.test.ts): batches, the cancel between and inside batches, a
// captioner that miscounts, and dispose on every path.
import { describe, expect, it } from 'vitest';
import type { ImageCaptioner } from '../../src-main/caption/types';
import { batches, runCaptionJob } from '../../src-main/jobs/caption-run';
import type { CaptionJobSpec, WorkerMessage } from '../../src-main/api/worker-messages';
import { captionJobSpec } from '../fixtures/caption-job-spec';

const spec = (n: number, batchSize: number): CaptionJobSpec => captionJobSpec(n, batchSize, '');

function captioner(onCall: (paths: readonly string[], signal?: AbortSignal) => string[]) {
  const state = { disposed: 0, calls: [] as string[][] };
  const c: ImageCaptioner = {
    kind: 'wd-tagger',
    caption: async (paths, signal) => (state.calls.push([...paths]), onCall(paths, signal)),
    dispose: async () => void state.disposed++,
  };
  return { c, state };
}

describe('runCaptionJob', () => {
  it('captions in batches and reports each, then done', async () => {
    const { c, state } = captioner((paths) => paths.map((p) => `cap ${p}`));
    const posted: WorkerMessage[] = [];
    await runCaptionJob(
      spec(5, 2),
      async () => c,
      (m) => posted.push(m),
      new AbortController().signal,
    );
    expect(state.calls).toEqual([['0.png', '1.png'], ['2.png', '3.png'], ['4.png']]);
    expect(posted.at(-1)).toEqual({ type: 'captions-done', cancelled: false });
    expect(posted[2]).toEqual({ type: 'captions', paths: ['4.png'], captions: ['cap 4.png'] });
    expect(state.disposed).toBe(1);
  });

  it('stops at a cancel, keeping what was reported', async () => {
    const abort = new AbortController();
    const { c, state } = captioner((paths) => (abort.abort(), paths.map(() => 'x')));
    const posted: WorkerMessage[] = [];
    await runCaptionJob(
      spec(6, 2),
      async () => c,
      (m) => posted.push(m),
      abort.signal,
    );
    expect(state.calls).toHaveLength(1);
    expect(posted.map((m) => m.type)).toEqual(['captions', 'captions-done']);
    expect(posted[1]).toEqual({ type: 'captions-done', cancelled: true });
  });

  it('treats a captioner that throws after the abort as cancelled, and any other error as a failure', async () => {
    const abort = new AbortController();
    const aborted = captioner(() => {
      abort.abort();
      throw new Error('aborted inside');
    });
    const posted: WorkerMessage[] = [];
    await runCaptionJob(
      spec(2, 1),
      async () => aborted.c,
      (m) => posted.push(m),
      abort.signal,
    );
    expect(posted).toEqual([{ type: 'captions-done', cancelled: true }]);
    const broken = captioner((paths) => paths.slice(1).map(() => 'x'));
    await expect(
      runCaptionJob(
        spec(2, 2),
        async () => broken.c,
        () => {},
        new AbortController().signal,
      ),
    ).rejects.toThrow('the captioner returned 1 captions for 2 images');
    expect(broken.state.disposed).toBe(1);
  });
});

describe('batches', () => {
  it('slices in order; a size below one is one', () => {
    expect(batches([1, 2, 3], 2)).toEqual([[1, 2], [3]]);
    expect(batches([1, 2], 0)).toEqual([[1], [2]]);
    expect(batches([], 4)).toEqual([]);
  });
});
