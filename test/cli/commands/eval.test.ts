import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src-main/cli/main';
import { memoryIo } from '../../fixtures/cli-io';

describe('tessera eval', () => {
  it('lists its parts, shows a part’s own help, and refuses an unknown part', async () => {
    const io = memoryIo();
    expect(await runCli(['eval', '--help'], io)).toBe(0);
    expect(io.lines.join('\n')).toMatch(/vae-encode/);
    const part = memoryIo();
    expect(await runCli(['eval', 'vae-decode', '--help'], part)).toBe(0);
    expect(part.lines.join('\n')).toMatch(/^Usage: tessera eval vae-decode/);
    const bad = memoryIo();
    expect(await runCli(['eval', 'nope'], bad)).toBe(2);
    expect(bad.errors[0]).toMatch(/unknown eval part "nope"/);
  });
});
