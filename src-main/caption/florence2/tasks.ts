// Florence-2's caption tasks. Its processor replaces a task token with a fixed English prompt before
// tokenizing (`<CAPTION>` → 'What does the image describe?'); the model was trained on those sentences.
import { CAPTION_TASKS, type Florence2Task } from '../../api/captioning';

export type { Florence2Task } from '../../api/captioning';

const PROMPTS: Record<Florence2Task, { token: string; prompt: string }> = {
  caption: { token: '<CAPTION>', prompt: 'What does the image describe?' },
  detailed: { token: '<DETAILED_CAPTION>', prompt: 'Describe in detail what is shown in the image.' },
  'more-detailed': {
    token: '<MORE_DETAILED_CAPTION>',
    prompt: 'Describe with a paragraph what is shown in the image.',
  },
};

export const FLORENCE2_TASKS: readonly Florence2Task[] = CAPTION_TASKS;

/**
 * The sentence the encoder reads for a task, accepting our names or Florence's task tokens.
 * @example taskPrompt('detailed') // 'Describe in detail what is shown in the image.'
 */
export function taskPrompt(task: Florence2Task | string): string {
  const hit = Object.entries(PROMPTS).find(([name, p]) => name === task || p.token === task);
  if (!hit)
    throw new Error(
      `unknown Florence-2 task '${task}': use one of ${FLORENCE2_TASKS.join(', ')} (or ${Object.values(
        PROMPTS,
      )
        .map((p) => p.token)
        .join(', ')})`,
    );
  return hit[1].prompt;
}
