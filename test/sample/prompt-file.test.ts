// kohya prompt-file syntax: options, defaults, comments and blank lines.
import { describe, expect, it } from 'vitest';
import { PROMPT_DEFAULTS, parsePromptFile, parsePromptLine } from '../../src-main/sample/prompt-file';

describe('parsePromptLine', () => {
  it('reads every option kohya documents', () => {
    const p = parsePromptLine(
      'masterpiece, a cat --n low quality, blurry --w 768 --h 640 --d 42 --l 5.5 --s 28 --ss euler_a',
      3,
    );
    expect(p).toEqual({
      index: 3,
      prompt: 'masterpiece, a cat',
      negative: 'low quality, blurry',
      width: 768,
      height: 640,
      seed: 42,
      cfg: 5.5,
      steps: 28,
      sampler: 'euler_a',
    });
  });

  it('fills defaults, leaves the seed open, clamps steps and ignores unknown or malformed options', () => {
    const p = parsePromptLine('a dog --s 5000 --x nonsense --l 7.5.1 --W 640', 0);
    expect(p).toMatchObject({
      prompt: 'a dog',
      negative: '',
      height: 512,
      cfg: PROMPT_DEFAULTS.cfg,
      steps: 1000,
      width: 640,
    });
    expect(p.seed).toBeUndefined();
  });
});

describe('parsePromptFile', () => {
  it('skips comment and blank lines and numbers the prompts', () => {
    const text = '# previews\n\na cat --d 1\r\n   \n# a commented --d 2\nan owl --n dark\n';
    const prompts = parsePromptFile(text);
    expect(prompts.map((p) => [p.index, p.prompt, p.seed, p.negative])).toEqual([
      [0, 'a cat', 1, ''],
      [1, 'an owl', undefined, 'dark'],
    ]);
  });
});
