import { FLORENCE2_ONNX } from '../../src-main/caption/florence2/config';
import { describe, expect, it } from 'vitest';
import {
  CATALOGUE,
  catalogueEntry,
  DEFAULT_HUB,
  defaultHub,
  fileUrl,
} from '../../src-main/caption/catalogue';

describe('catalogue', () => {
  it('has unique ids, and every file either pins a sha256 and size or says why it cannot', () => {
    expect(new Set(CATALOGUE.map((e) => e.id)).size).toBe(CATALOGUE.length);
    for (const entry of CATALOGUE)
      for (const file of entry.files) {
        if (file.unpinned) expect([file.sha256, file.size]).toEqual(['', 0]);
        else {
          expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
          expect(file.size).toBeGreaterThan(0);
        }
      }
    expect(catalogueEntry('wd-swinv2-v3').files.map((f) => f.path)).toEqual([
      'model.onnx',
      'selected_tags.csv',
    ]);
    expect(catalogueEntry('florence2-base').kind).toBe('florence2');
  });

  it("builds the hub's public file URL", () => {
    const entry = catalogueEntry('wd-swinv2-v3');
    expect(fileUrl('http://hub.test/', entry, entry.files[0])).toBe(
      'http://hub.test/SmilingWolf/wd-swinv2-tagger-v3/resolve/main/model.onnx',
    );
    const f2 = catalogueEntry('florence2-base');
    const vision = f2.files.find((f) => f.path.endsWith('vision_encoder.onnx'))!;
    expect(fileUrl('http://hub.test', f2, vision)).toMatch(
      /Florence-2-base-ft\/resolve\/main\/onnx\/vision_encoder\.onnx$/,
    );
  });

  it('lists every file the Florence-2 captioner opens, so a download is complete', () => {
    const paths = catalogueEntry('florence2-base').files.map((f) => f.path);
    for (const file of [
      ...Object.values(FLORENCE2_ONNX),
      'config.json',
      'generation_config.json',
      'tokenizer.json',
    ])
      expect(paths).toContain(file);
  });

  it('takes the hub from $TESSERA_MODEL_HUB when set', () => {
    expect(defaultHub({ TESSERA_MODEL_HUB: 'http://mirror.test' })).toBe('http://mirror.test');
    expect(defaultHub({})).toBe(DEFAULT_HUB);
  });

  it('lists the known ids when an id is unknown', () => {
    expect(() => catalogueEntry('wd14')).toThrow(
      /unknown captioning model "wd14"; known models: wd-swinv2-v3, /,
    );
  });
});
