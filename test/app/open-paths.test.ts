import { describe, expect, it } from 'vitest';
import { openablePaths } from '../../src-main/app/open-paths';

describe('openablePaths', () => {
  it('keeps absolute .safetensors paths and drops switches and the app path', () => {
    expect(
      openablePaths([
        '/opt/Tessera/tessera',
        '--no-sandbox',
        '/m/style.SAFETENSORS',
        'relative.safetensors',
        '/m/notes.txt',
      ]),
    ).toEqual(['/m/style.SAFETENSORS']);
  });
});
