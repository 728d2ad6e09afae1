// The run's numbers on disk: `metrics.jsonl` (one JSON object per optimizer step, what the dashboard replays)
// and a TensorBoard event file. On resume, lines past the resumed step are dropped so the log reads as one run.
import { appendFile, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { StepMetrics } from '../api/jobs';
import { writeFileAtomic } from '../formats/atomic-write';
import { EventWriter } from '../formats/tfevents';

export type { StepMetrics } from '../api/jobs';

export const METRICS_FILE = 'metrics.jsonl';

/** The TensorBoard scalars of a step (tag → value). */
const SCALARS = [
  'loss',
  'smoothLoss',
  'lr',
  'gradNorm',
  'itPerSec',
] as const satisfies readonly (keyof StepMetrics)[];

export class MetricsLog {
  private constructor(
    readonly path: string,
    private readonly events: EventWriter,
  ) {}

  /** Opens the run's logs, first dropping entries after `resumeStep` (0 for a fresh run). */
  static async open(runDir: string, resumeStep = 0): Promise<MetricsLog> {
    const path = join(runDir, METRICS_FILE);
    const kept = (await readMetrics(runDir)).filter((m) => m.step <= resumeStep);
    await writeFileAtomic(path, kept.map((m) => JSON.stringify(m) + '\n').join(''));
    return new MetricsLog(path, await EventWriter.create(runDir));
  }

  /** Drops entries after `step` (the divergence guard rolled the run back to it). */
  async rewind(step: number): Promise<void> {
    const kept = (await readMetrics(dirname(this.path))).filter((m) => m.step <= step);
    await writeFileAtomic(this.path, kept.map((m) => JSON.stringify(m) + '\n').join(''));
  }

  async append(m: StepMetrics): Promise<void> {
    await appendFile(this.path, JSON.stringify(m) + '\n');
    for (const tag of SCALARS) await this.events.addScalar(`train/${tag}`, m[tag], m.step);
  }

  async close(): Promise<void> {
    await this.events.close();
  }
}

/** Every logged step of a run (a torn last line from a crash is skipped). */
export async function readMetrics(runDir: string): Promise<StepMetrics[]> {
  const text = await readFile(join(runDir, METRICS_FILE), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return '';
    throw err;
  });
  const out: StepMetrics[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as StepMetrics);
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err;
    }
  }
  return out;
}
