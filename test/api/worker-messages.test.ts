// isHostMessage narrows what arrives untyped from the parent process: only the host's message kinds pass.
import { describe, expect, it } from 'vitest';
import { isHostMessage } from '../../src-main/api/worker-messages';

describe('isHostMessage', () => {
  it('accepts every host message kind', () => {
    for (const type of [
      'start',
      'generate',
      'caption',
      'compare',
      'devices',
      'pause',
      'resume',
      'cancel',
      'save',
    ])
      expect(isHostMessage({ type })).toBe(true);
  });

  it('refuses worker messages, unknown kinds and non-objects', () => {
    expect(isHostMessage({ type: 'progress' })).toBe(false);
    expect(isHostMessage({ type: 'shutdown' })).toBe(false);
    expect(isHostMessage({})).toBe(false);
    expect(isHostMessage(null)).toBe(false);
    expect(isHostMessage('start')).toBe(false);
  });
});
