// Scores → caption tags, as the WD taggers' authors do it: general and character tags above their own
// thresholds, each group by descending score; the most likely rating optionally; underscores → spaces
// except in kaomoji; exclusions dropped. Pure.
import type { TagLabel } from './labels';

export interface TagOptions {
  /** General tags at or above this score (default 0.35, the authors' demo default). */
  generalThreshold: number;
  /** Character tags at or above this score (default 0.85). */
  characterThreshold: number;
  /** Add the most likely rating tag (general, sensitive, questionable, explicit) last. */
  rating: boolean;
  /** Tags never written, in either spelling (`long_hair` or `long hair`). */
  exclude: readonly string[];
  /** Replace underscores with spaces (kaomoji such as `^_^` are kept). Default true. */
  underscoresToSpaces: boolean;
}

export const TAG_DEFAULTS: TagOptions = {
  generalThreshold: 0.35,
  characterThreshold: 0.85,
  rating: false,
  exclude: [],
  underscoresToSpaces: true,
};

/** Tags whose underscores are part of the face (the authors' list). */
export const KAOMOJIS: ReadonlySet<string> = new Set([
  '0_0',
  '(o)_(o)',
  '+_+',
  '+_-',
  '._.',
  '<o>_<o>',
  '<|>_<|>',
  '=_=',
  '>_<',
  '3_3',
  '6_9',
  '>_o',
  '@_@',
  '^_^',
  'o_o',
  'u_u',
  'x_x',
  '|_|',
  '||_||',
]);

/** @example displayTag('long_hair') // 'long hair'; displayTag('^_^') // '^_^' */
export function displayTag(name: string): string {
  return KAOMOJIS.has(name) ? name : name.replace(/_/g, ' ');
}

interface Scored {
  name: string;
  score: number;
  index: number;
}

const byScore = (a: Scored, b: Scored): number => b.score - a.score || a.index - b.index;

/**
 * The caption tags for one image's scores (one per label): characters, then general tags, then the rating.
 * @example selectTags(new Float32Array([0.9, 0.5]), [{ name: 'general', category: 'rating' }, { name: 'long_hair', category: 'general' }], { rating: true }) // ['long hair', 'general']
 */
export function selectTags(
  scores: ArrayLike<number>,
  labels: readonly TagLabel[],
  options: Partial<TagOptions> = {},
): string[] {
  const o = { ...TAG_DEFAULTS, ...options };
  if (scores.length !== labels.length)
    throw new Error(`the model gives ${scores.length} scores but the label file has ${labels.length} tags`);
  const spell = (name: string): string => (o.underscoresToSpaces ? displayTag(name) : name);
  const excluded = new Set(o.exclude.flatMap((t) => [t.trim(), displayTag(t.trim())]));
  const groups: Record<TagLabel['category'], Scored[]> = { rating: [], general: [], character: [] };
  labels.forEach((label, index) =>
    groups[label.category].push({ name: label.name, score: scores[index], index }),
  );
  const above = (group: Scored[], threshold: number): Scored[] =>
    group.filter((t) => t.score >= threshold).sort(byScore);
  const picked = [
    ...above(groups.character, o.characterThreshold),
    ...above(groups.general, o.generalThreshold),
    ...(o.rating && groups.rating.length ? [[...groups.rating].sort(byScore)[0]] : []),
  ];
  return picked
    .filter((t) => !excluded.has(t.name) && !excluded.has(displayTag(t.name)))
    .map((t) => spell(t.name));
}
