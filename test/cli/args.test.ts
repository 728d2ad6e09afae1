import { describe, expect, it } from 'vitest';
import { computeArgs, numberArg, splitList } from '../../src-main/cli/args';
import { UsageError } from '../../src-main/cli/io';

describe('CLI argument parsers', () => {
  it('splits comma lists and bounds numbers', () => {
    expect(splitList(' a, b ,,c')).toEqual(['a', 'b', 'c']);
    expect(numberArg('--cfg', undefined, 1, 30, 7)).toBe(7);
    expect(() => numberArg('--cfg', '31', 1, 30, 7)).toThrow(UsageError);
  });

  it('reads --device and --threads, refusing unknown providers and fractional threads', () => {
    expect(computeArgs({})).toEqual({});
    expect(computeArgs({ device: 'webgpu', threads: '4' })).toEqual({ device: 'webgpu', threads: 4 });
    expect(() => computeArgs({ device: 'metal' })).toThrow('--device must be one of');
    expect(() => computeArgs({ threads: '1.5' })).toThrow('whole number');
    expect(() => computeArgs({ threads: '0' })).toThrow('from 1 to 1024');
  });
});
