// Regular-expression find & replace over many captions, off the main thread and with a time limit: a pattern
// that backtracks catastrophically (`(a+)+$` doubles its time per character) is stopped, and the server's one
// thread keeps answering. Plain worker_threads with inline source, so no bundler has to find a worker file.
import { Worker } from 'node:worker_threads';

/** What the worker runs: the same replace as tags.ts `findReplace` (global flag added), over every text. */
const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { texts, find, replace, flags } = workerData;
const re = new RegExp(find, flags.includes('g') ? flags : flags + 'g');
parentPort.postMessage(texts.map((text) => text.replace(re, replace)));
`;

/** Long enough for any sane pattern over a large dataset; a runaway one is stopped here. */
export const REGEX_TIME_LIMIT_MS = 3000;

/** A pattern that ran past the time limit (the user's input, not a bug: api/errors.ts maps it to 400). */
export class RegexTimeoutError extends Error {
  override readonly name = 'RegexTimeoutError';
}

/**
 * `texts` with every match of `find` replaced, computed in a worker thread that is terminated after `limitMs`.
 * A syntax error rejects with the SyntaxError; a timeout with a {@link RegexTimeoutError}.
 * @example await regexReplaceAll(['a cat', 'a dog'], 'a (\\w+)', 'one $1', 'i') // ['one cat', 'one dog']
 */
export function regexReplaceAll(
  texts: readonly string[],
  find: string,
  replace: string,
  flags = '',
  limitMs = REGEX_TIME_LIMIT_MS,
): Promise<string[]> {
  const worker = new Worker(SOURCE, { eval: true, workerData: { texts, find, replace, flags } });
  return new Promise<string[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        new RegexTimeoutError(
          `The pattern /${find}/ took over ${limitMs / 1000} s on ${texts.length} caption(s) and was stopped: ` +
            'nested repeats like (a+)+ can take forever. Simplify it.',
        ),
      );
    }, limitMs);
    worker.once('message', (out: string[]) => {
      clearTimeout(timer);
      resolve(out);
    });
    worker.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  }).finally(() => void worker.terminate());
}
