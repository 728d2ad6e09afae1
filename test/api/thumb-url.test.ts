// Thumbnail URLs: what the renderer builds is what the HTTP route and the Electron protocol parse.
import { describe, expect, it } from 'vitest';
import { thumbHttpUrl, thumbPathOf, thumbProtocolUrl } from '../../src-main/api/thumb-url';

describe('thumbnail URLs', () => {
  const path = '/home/a b/My Style/dataset/10_cat/ü#1?.png';

  it('round-trip any path through both forms', () => {
    expect(thumbPathOf(thumbHttpUrl(path, 'tok'))).toBe(path);
    expect(thumbPathOf(thumbProtocolUrl(path))).toBe(path);
    expect(thumbHttpUrl('/p/a.png', 'tok')).toBe('/api/thumb?path=%2Fp%2Fa.png&token=tok');
    expect(thumbHttpUrl('/p/a.png', null)).toBe('/api/thumb?path=%2Fp%2Fa.png');
  });

  it('refuses URLs that are not thumbnail URLs', () => {
    expect(thumbPathOf('/api/other?path=%2Fp')).toBeNull();
    expect(thumbPathOf('tessera-thumb://other/?path=%2Fp')).toBeNull();
    expect(thumbPathOf('/api/thumb')).toBeNull();
    expect(thumbPathOf('http://[bad')).toBeNull();
  });
});
