// kohya sd-scripts sample-prompt files: one prompt per line, options after " --" (`--n` negative, `--w`/`--h` size,
// `--d` seed, `--l` CFG scale, `--s` steps, `--ss` sampler); blank lines and lines starting with '#' are skipped.
// Follows sd-scripts `library/train_util.py` `line_to_prompt_dict` / `load_prompts` (.txt form).

export interface SamplePrompt {
  /** Position in the file among prompt lines; names the output image. */
  index: number;
  prompt: string;
  negative: string;
  width: number;
  height: number;
  /** undefined: pick one at sampling time (kohya does the same). */
  seed?: number;
  cfg: number;
  steps: number;
  sampler?: string;
}

/** sd-scripts' defaults when an option is absent. */
export const PROMPT_DEFAULTS = { negative: '', width: 512, height: 512, cfg: 7.5, steps: 30 } as const;

type Mutable = Omit<SamplePrompt, 'index' | 'prompt'>;

/** Option table: kohya matches these prefixes case-insensitively, first match wins. */
const OPTIONS: readonly { pattern: RegExp; apply: (p: Mutable, value: string) => void }[] = [
  { pattern: /^w (\d+)/i, apply: (p, v) => (p.width = Number(v)) },
  { pattern: /^h (\d+)/i, apply: (p, v) => (p.height = Number(v)) },
  { pattern: /^d (\d+)/i, apply: (p, v) => (p.seed = Number(v)) },
  { pattern: /^s (\d+)/i, apply: (p, v) => (p.steps = Math.max(1, Math.min(1000, Number(v)))) },
  // kohya logs and skips a malformed scale such as "7.5.1"; so do we.
  { pattern: /^l ([\d.]+)/i, apply: (p, v) => (p.cfg = Number.isNaN(Number(v)) ? p.cfg : Number(v)) },
  { pattern: /^n (.+)/i, apply: (p, v) => (p.negative = v) },
  { pattern: /^ss (.+)/i, apply: (p, v) => (p.sampler = v.trim()) },
];

/**
 * One prompt line to its settings; unknown options are ignored as kohya does.
 * @example parsePromptLine('a cat --n blurry --w 768 --d 42', 0).seed // 42
 */
export function parsePromptLine(line: string, index: number): SamplePrompt {
  const [prompt, ...args] = line.trim().split(' --');
  const settings: Mutable = { ...PROMPT_DEFAULTS };
  for (const arg of args) {
    for (const option of OPTIONS) {
      const m = option.pattern.exec(arg);
      if (m) {
        option.apply(settings, m[1]);
        break;
      }
    }
  }
  return { index, prompt: prompt.trim(), ...settings };
}

/** A whole prompt file's text to prompts, skipping blanks and '#' comment lines. */
export function parsePromptFile(text: string): SamplePrompt[] {
  return text
    .split(/\r?\n/)
    .filter((line) => line.trim().length > 0 && !line.startsWith('#'))
    .map((line, i) => parsePromptLine(line, i));
}
