// Argument checks for the projects & dataset methods: paths, path lists, tag edits and project patches.
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src-main/api/errors';
import { validateArgs } from '../../src-main/api/validate';

function complaint(method: string, args: unknown[]): string {
  try {
    validateArgs(method, args);
  } catch (err) {
    if (err instanceof ApiError && err.code === 'INVALID_ARGUMENT') return err.message;
    throw err;
  }
  return 'accepted';
}

describe('validateArgs (projects & dataset)', () => {
  it('accepts well-formed calls', () => {
    expect(complaint('createProject', ['/art/p', 'My style'])).toBe('accepted');
    expect(complaint('importImages', ['/art/p', ['/in/a.png', '/in/refs']])).toBe('accepted');
    expect(complaint('writeCaption', ['/art/p', 'a.png', ''])).toBe('accepted');
    expect(complaint('editTags', ['/art/p', ['a.png'], { kind: 'add', tag: 'ink', at: 'start' }])).toBe(
      'accepted',
    );
    expect(complaint('editTags', ['/art/p', [], { kind: 'sortDedupe', keepFirst: 1 }])).toBe('accepted');
    expect(
      complaint('updateProject', ['/art/p', { baseModelPath: null, settings: { resolution: 768 } }]),
    ).toBe('accepted');
    const training = { presetId: null, config: { rank: 8, flip: true }, name: 'ink', prompts: '' };
    expect(complaint('updateProject', ['/art/p', { training }])).toBe('accepted');
    expect(complaint('updateProject', ['/art/p', { training: null }])).toBe('accepted');
    expect(complaint('createNewProject', [])).toBe('accepted');
    expect(complaint('createNewProject', ['ink'])).toBe('accepted');
    expect(complaint('setProjectsFolder', ['/home/ann/Pictures/Tessera Projects'])).toBe('accepted');
  });

  it('names what is wrong', () => {
    expect(
      complaint('updateProject', [
        '/p',
        { training: { presetId: null, config: { rank: [1] }, name: '', prompts: '' } },
      ]),
    ).toMatch(/training config .rank must be a number, text or true\/false/);
    expect(complaint('updateProject', ['/p', { training: { config: {} } }])).toMatch(
      /training presetId is required/,
    );
    expect(complaint('createNewProject', [' '])).toBe('createNewProject: name must not be empty.');
    expect(complaint('createProject', ['/art/p', '  '])).toBe('createProject: name must not be empty.');
    expect(complaint('importImages', ['/art/p', '/in/a.png'])).toMatch(/paths must be an array/);
    expect(complaint('importImages', ['/art/p', ['/ok', 7]])).toMatch(/paths \[1\] must be a string/);
    expect(complaint('editTags', ['/p', ['a.png'], { kind: 'explode' }])).toMatch(/kind must be one of add/);
    expect(complaint('editTags', ['/p', ['a.png'], { kind: 'replace', from: 'a' }])).toMatch(
      /to must be a string/,
    );
    expect(complaint('editTags', ['/p', [], { kind: 'sortDedupe', keepFirst: -1 }])).toMatch(/keepFirst/);
    expect(complaint('updateProject', ['/p', { settings: { resolution: 100 } }])).toMatch(
      /settings.resolution must be a whole number from 256 to 2048/,
    );
    expect(complaint('updateProject', ['/p', { settings: { noUpscale: 'yes' } }])).toMatch(/noUpscale/);
    expect(complaint('writeCaption', ['/p', 'a.png', 'x'.repeat(70_000)])).toMatch(/at most 65536/);
  });
});
