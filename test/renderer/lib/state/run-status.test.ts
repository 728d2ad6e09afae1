import { describe, expect, it } from 'vitest';
import type { JobInfo, Progress } from '../../../../src-main/api/training';
import { etaOf, isActive, percentOf, statusLabel } from '../../../../src-renderer/lib/state/run-status';
import { jobOf } from './training-fixtures';

const progress = { step: 2, totalSteps: 8, etaSeconds: 30 } as Progress;
const job = jobOf('j1', 'running', progress);
const stopped = {
  status: 'cancelled' as const,
  step: 3,
  totalSteps: 8,
  adapterPath: '/r/ink.safetensors',
  skipped: 0,
  resumedFrom: 0,
};

describe('run status', () => {
  it('says a stopped run with a saved adapter was stopped and saved, with no ETA left', () => {
    const done: JobInfo = { ...job, status: 'cancelled', outcome: stopped };
    expect(statusLabel(done)).toBe('Stopped, adapter saved');
    expect(etaOf(done)).toBeNull();
    expect(percentOf(done)).toBe(38);
    expect(isActive(done)).toBe(false);
    expect(statusLabel({ ...job, status: 'cancelled' })).toBe('Stopped');
  });

  it('shows an ETA only while running', () => {
    expect(etaOf(job)).toBe(30);
    expect(etaOf({ ...job, status: 'paused' })).toBeNull();
    expect(statusLabel(job)).toBe('Training');
    expect(statusLabel({ ...job, progress: null })).toBe('Preparing');
    expect(percentOf(job)).toBe(25);
    expect(isActive({ ...job, status: 'paused' })).toBe(true);
    expect(isActive(null)).toBe(false);
  });
});
