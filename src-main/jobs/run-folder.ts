// The layout of a run folder, named once: the job writes these paths and the services read them. No ONNX Runtime
// import here, so the window process's services can use it.
import { join } from 'node:path';

/** The job's spec as started; its presence marks a folder as a run. */
export const JOB_FILE = 'job.json';
/** Preview images and their index. */
export const SAMPLES_DIR = 'samples';
/** One JSON line per preview image (in SAMPLES_DIR), appended as they are rendered. */
export const SAMPLES_INDEX_FILE = 'index.jsonl';
/** The compare grid rendered when a run with preview prompts finishes (`.png` sheet, `.json` cell table). */
export const TRAINING_COMPARE_STEM = join(SAMPLES_DIR, 'compare');
/** Comparisons rendered from the app: `<run>/compare/<stamp>.png|.json` and `<stamp>-cells/`. */
export const COMPARE_DIR = 'compare';
