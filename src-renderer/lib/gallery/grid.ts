// The gallery's grid arithmetic: a run's samples as checkpoint-step rows × prompt columns. Pure.
import type { SampleInfo } from '../../../src-main/api/training';

export interface SampleGrid {
  steps: number[];
  prompts: string[];
  /** cell(stepIndex, promptIndex) → sample or undefined */
  cells: Map<string, SampleInfo>;
}

/** Groups samples by checkpoint step (rows) and prompt (columns). @example gridOf(samples).steps */
export function gridOf(samples: readonly SampleInfo[]): SampleGrid {
  const steps = [...new Set(samples.map((s) => s.step))].sort((a, b) => a - b);
  const byIndex = new Map<number, string>();
  for (const s of samples) byIndex.set(s.index, s.prompt);
  const indices = [...byIndex.keys()].sort((a, b) => a - b);
  const cells = new Map<string, SampleInfo>();
  for (const s of samples) cells.set(`${steps.indexOf(s.step)}:${indices.indexOf(s.index)}`, s);
  return { steps, prompts: indices.map((i) => byIndex.get(i)!), cells };
}
