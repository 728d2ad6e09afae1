// The upload URL the renderer builds is the one the server parses, whatever the path and name hold.
import { describe, expect, it } from 'vitest';
import { uploadHttpUrl, uploadTargetOf } from '../../src-main/api/upload-url';

describe('upload URLs', () => {
  it('round-trip project, batch and name', () => {
    const target = { project: '/home/a b/My Style', batch: 'drop-1', name: 'ü #1?.png' };
    const url = uploadHttpUrl(target);
    expect(url.startsWith('/api/upload?project=%2Fhome%2Fa+b%2FMy+Style&batch=drop-1&name=')).toBe(true);
    expect(uploadTargetOf(new URL(url, 'http://127.0.0.1'))).toEqual(target);
  });

  it('gives null when a field is missing', () => {
    expect(uploadTargetOf(new URL('http://127.0.0.1/api/upload?project=%2Fp&name=a.png'))).toBeNull();
  });
});
