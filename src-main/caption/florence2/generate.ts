// Decoding over any next-token scorer: greedy and beam search, with the logits rules Florence-2's
// generation config asks for (forced `<s>` first, forced `</s>` at the limit, no repeated n-gram).
// Pure: the ONNX decoder is one scorer, a test's table of scores another.

export interface DecodeSettings {
  decoderStartId: number;
  eosId: number;
  forcedBosId: number | null;
  forcedEosId: number | null;
  noRepeatNgram: number;
  lengthPenalty: number;
  /** Beam search ends as soon as `beams` sequences are finished. */
  earlyStopping?: boolean;
  maxNewTokens: number;
}

/**
 * Scores the next token of every row. `rows[i]` is row i's whole sequence so far (decoder start first);
 * `parents[i]` is the row of the previous call that row i continues (beam search reorders rows), so a scorer
 * with a key/value cache knows which cache to extend. Returns one logits vector per row.
 */
export type NextTokenScorer = (
  rows: readonly number[][],
  parents: readonly number[],
) => Promise<Float32Array[]>;

/** Applies the generation rules in place to one row's scores (logits or log-probabilities). */
export function applyRules(scores: Float32Array, row: readonly number[], s: DecodeSettings): void {
  const generated = row.length - 1;
  if (generated === 0 && s.forcedBosId !== null) return forceOnly(scores, s.forcedBosId);
  if (generated === s.maxNewTokens - 1 && s.forcedEosId !== null) return forceOnly(scores, s.forcedEosId);
  for (const banned of repeatedNgramEndings(row, s.noRepeatNgram)) scores[banned] = -Infinity;
}

function forceOnly(scores: Float32Array, id: number): void {
  scores.fill(-Infinity);
  scores[id] = 0;
}

/** Tokens that would complete an n-gram already present in `row`. */
export function repeatedNgramEndings(row: readonly number[], n: number): number[] {
  if (n <= 0 || row.length < n) return [];
  const prefix = row.slice(row.length - n + 1).join(',');
  const banned: number[] = [];
  for (let i = 0; i + n <= row.length; i++)
    if (row.slice(i, i + n - 1).join(',') === prefix) banned.push(row[i + n - 1]);
  return banned;
}

function argmax(v: Float32Array): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

export function logSoftmax(logits: Float32Array): Float32Array {
  let max = -Infinity;
  for (const x of logits) if (x > max) max = x;
  let sum = 0;
  for (const x of logits) sum += Math.exp(x - max);
  const lse = max + Math.log(sum);
  return logits.map((x) => x - lse);
}

/**
 * Greedy decoding: the highest-scoring token each step until `</s>` or the limit.
 * @returns the generated ids after the decoder start token (`</s>` included when reached)
 */
export async function greedyDecode(
  score: NextTokenScorer,
  s: DecodeSettings,
  signal?: AbortSignal,
): Promise<number[]> {
  const row = [s.decoderStartId];
  while (row.length - 1 < s.maxNewTokens) {
    signal?.throwIfAborted();
    const [logits] = await score([row], [0]);
    applyRules(logits, row, s);
    const next = argmax(logits);
    row.push(next);
    if (next === s.eosId) break;
  }
  return row.slice(1);
}

interface Hypothesis {
  tokens: number[];
  /** Sum of log-probabilities. */
  logProb: number;
}

/** A finished sequence's rank: its log-probability over its generated length (eos counted) ^ penalty. */
export function normalizedScore(h: Hypothesis, lengthPenalty: number): number {
  return h.logProb / Math.pow(h.tokens.length - 1, lengthPenalty);
}

/**
 * Beam search: keeps the `beams` best partial sequences by summed log-probability; a sequence that takes
 * `</s>` among the top `beams` candidates is finished. Stops when `beams` are finished and (unless
 * `earlyStopping`) no running beam can beat the worst of them, or at the limit (running beams then count).
 * @returns the best sequence's ids after the decoder start token
 */
export async function beamDecode(
  score: NextTokenScorer,
  s: DecodeSettings,
  beams: number,
  signal?: AbortSignal,
): Promise<number[]> {
  if (beams <= 1) return greedyDecode(score, s, signal);
  // Every row starts equal; only row 0 may expand on the first step, so the beams come out distinct.
  let running: Hypothesis[] = Array.from({ length: beams }, (_, i) => ({
    tokens: [s.decoderStartId],
    logProb: i === 0 ? 0 : -Infinity,
  }));
  let parents = running.map((_, i) => i);
  const finished: Hypothesis[] = [];
  const worstFinished = () => Math.min(...finished.map((h) => normalizedScore(h, s.lengthPenalty)));
  for (let step = 0; step < s.maxNewTokens; step++) {
    signal?.throwIfAborted();
    const logits = await score(
      running.map((h) => h.tokens),
      parents,
    );
    const candidates: { row: number; token: number; logProb: number }[] = [];
    running.forEach((h, row) => {
      const lp = logSoftmax(logits[row]);
      applyRules(lp, h.tokens, s);
      for (const token of topK(lp, 2 * beams))
        if (lp[token] > -Infinity && h.logProb > -Infinity)
          candidates.push({ row, token, logProb: h.logProb + lp[token] });
    });
    candidates.sort((a, b) => b.logProb - a.logProb);
    const next: Hypothesis[] = [];
    const nextParents: number[] = [];
    for (const [rank, c] of candidates.entries()) {
      const tokens = [...running[c.row].tokens, c.token];
      if (c.token === s.eosId) {
        if (rank < beams) finished.push({ tokens, logProb: c.logProb });
      } else if (next.length < beams) {
        next.push({ tokens, logProb: c.logProb });
        nextParents.push(c.row);
      }
      if (next.length === beams) break;
    }
    finished.sort((a, b) => normalizedScore(b, s.lengthPenalty) - normalizedScore(a, s.lengthPenalty));
    finished.splice(beams);
    if (next.length === 0) break;
    running = next;
    parents = nextParents;
    if (finished.length === beams) {
      if (s.earlyStopping) break;
      if (normalizedScore(running[0], s.lengthPenalty) <= worstFinished()) break;
    }
  }
  const pool = [...finished, ...(finished.length < beams ? running : [])].filter(
    (h) => h.logProb > -Infinity,
  );
  pool.sort((a, b) => normalizedScore(b, s.lengthPenalty) - normalizedScore(a, s.lengthPenalty));
  return pool[0].tokens.slice(1);
}

function topK(v: Float32Array, k: number): number[] {
  const picked: number[] = [];
  for (let i = 0; i < v.length; i++) {
    if (picked.length < k) picked.push(i);
    else if (v[i] > v[picked[picked.length - 1]]) picked[picked.length - 1] = i;
    else continue;
    picked.sort((a, b) => v[b] - v[a]);
  }
  return picked;
}
