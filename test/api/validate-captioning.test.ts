// The captioning rows of the argument table: well-formed calls pass unchanged, malformed ones name the field.
import { describe, expect, it } from 'vitest';
import { validateArgs } from '../../src-main/api/validate';
import { CAPTIONING_ARG_SPECS, MAX_PREVIEW_IMAGES } from '../../src-main/api/validate-captioning';
import { invalidArgumentMessage } from './invalid-argument';

const options = {
  modelId: 'wd-swinv2-v3',
  mode: 'fill-empty',
  generalThreshold: 0.35,
  characterThreshold: 0.85,
  rating: true,
  exclude: ['simple background'],
  prefix: 'inkstyle',
  modelDir: '/models/wd',
};

describe('captioning argument rows', () => {
  it('has a row for every captioning method', () => {
    expect(Object.keys(CAPTIONING_ARG_SPECS).sort()).toEqual([
      'cancelCaptionDownload',
      'cancelCaptioning',
      'captionImages',
      'downloadCaptionModel',
      'listCaptionModels',
      'previewCaptions',
    ]);
  });

  it('passes well-formed calls unchanged', () => {
    const selected = { kind: 'selected', rels: ['a.png'] };
    expect(validateArgs('captionImages', ['/p', selected, options])).toEqual(['/p', selected, options]);
    expect(
      validateArgs('previewCaptions', ['/p', { kind: 'all' }, { modelId: 'x', mode: 'replace' }, 4]),
    ).toHaveLength(4);
    expect(validateArgs('downloadCaptionModel', ['wd-swinv2-v3'])).toEqual(['wd-swinv2-v3']);
    expect(validateArgs('listCaptionModels', [])).toEqual([]);
  });

  it('names the field that is wrong', () => {
    const call = (scope: unknown, opts: unknown = options) =>
      invalidArgumentMessage(() => validateArgs('captionImages', ['/p', scope, opts]));
    expect(call({ kind: 'some' })).toBe(
      'captionImages: scope kind must be one of all, uncaptioned, selected.',
    );
    expect(call({ kind: 'selected', rels: [] })).toMatch(/rels must name at least one image/);
    expect(call({ kind: 'all' }, { ...options, mode: 'merge' })).toMatch(
      /options mode must be one of fill-empty, append, replace/,
    );
    expect(call({ kind: 'all' }, { ...options, generalThreshold: 2 })).toMatch(
      /generalThreshold must be a number from 0 to 1/,
    );
    expect(call({ kind: 'all' }, { ...options, exclude: 'a, b' })).toMatch(
      /exclude must be an array of strings/,
    );
    expect(call({ kind: 'all' }, { mode: 'replace' })).toMatch(/options modelId is required/);
    expect(
      invalidArgumentMessage(() =>
        validateArgs('previewCaptions', ['/p', { kind: 'all' }, options, MAX_PREVIEW_IMAGES + 1]),
      ),
    ).toMatch(/count must be a whole number from 1 to 16/);
  });
});
