// Argument rows for the training, sampling and export methods (api/training.ts), merged into validate.ts's
// table. Shapes and bounds only; the core's config validation explains out-of-range training options.
import {
  intIn,
  isRecord,
  name,
  numberIn,
  objectOf,
  oneOf,
  pathString,
  text,
  textList,
  type ArgCheck,
} from './arg-checks';
import type { ExportRequest, GenerateRequest, JobAction, TrainingApi } from './training';

/** Every sampler generateImage accepts; `satisfies` keeps it in step with GenerateRequest. */
export const GENERATE_SAMPLERS = [
  'euler',
  'euler_a',
  'dpmpp_2m',
  'dpmpp_2m_karras',
  'ddim',
] as const satisfies readonly GenerateRequest['sampler'][];

export const EXPORT_FORMATS = ['kohya', 'peft'] as const satisfies readonly ExportRequest['format'][];
export const EXPORT_PRECISIONS = [
  'fp16',
  'bf16',
  'fp32',
] as const satisfies readonly ExportRequest['precision'][];
export const JOB_ACTIONS = [
  'pause',
  'resume',
  'cancel',
  'restart',
  'save',
] as const satisfies readonly JobAction[];

/** Option overrides: known shapes only (numbers, text, switches); ranges are the core's job. */
export const configPatch: ArgCheck = (value) => {
  if (!isRecord(value)) return 'must be an object';
  for (const [key, v] of Object.entries(value)) {
    const ok =
      (typeof v === 'number' && Number.isFinite(v)) ||
      typeof v === 'boolean' ||
      (typeof v === 'string' && text(v) === null);
    if (!ok) return `.${key} must be a number, text or true/false`;
  }
  return null;
};

const trainRequest = objectOf({
  modelPath: [pathString],
  datasetDir: [pathString],
  name: [name],
  runsDir: [pathString],
  presetId: [name, 'optional'],
  config: [configPatch, 'optional'],
  samplePrompts: [textList, 'optional'],
  runDir: [pathString, 'optional'],
});

const MAX_IMAGE_SIDE = 4096;

const generateRequest = objectOf({
  modelPath: [pathString],
  lora: [objectOf({ path: [pathString], strength: [numberIn(-4, 4)] }), 'optional'],
  prompt: [text],
  negative: [text, 'optional'],
  seed: [intIn(0, 2 ** 53 - 1)],
  steps: [intIn(1, 200)],
  cfg: [numberIn(0, 50)],
  sampler: [oneOf(GENERATE_SAMPLERS)],
  width: [intIn(8, MAX_IMAGE_SIDE)],
  height: [intIn(8, MAX_IMAGE_SIDE)],
  outPath: [pathString, 'optional'],
});

const compareColumn = objectOf({
  label: [text],
  lora: [objectOf({ path: [pathString], strength: [numberIn(-4, 4)] }), 'optional'],
});

const MAX_COMPARE_CELLS = 64;

const compareRequest: ArgCheck = (value) => {
  const shape = objectOf({
    modelPath: [pathString],
    runDir: [pathString],
    prompts: [textList],
    columns: [(v) => (Array.isArray(v) ? null : 'must be a list')],
    seed: [intIn(0, 2 ** 53 - 1)],
  })(value);
  if (shape) return shape;
  const { prompts, columns } = value as { prompts: unknown[]; columns: unknown[] };
  if (!prompts.length || !columns.length) return 'needs at least one prompt and one column';
  if (prompts.length * columns.length > MAX_COMPARE_CELLS)
    return `asks for ${prompts.length * columns.length} images; at most ${MAX_COMPARE_CELLS} per comparison`;
  for (const [i, column] of columns.entries()) {
    const bad = compareColumn(column);
    if (bad) return `.columns[${i}] ${bad}`;
  }
  return null;
};

const exportRequest = objectOf({
  adapterPath: [pathString],
  format: [oneOf(EXPORT_FORMATS)],
  precision: [oneOf(EXPORT_PRECISIONS)],
  outPath: [pathString],
  title: [text, 'optional'],
  triggerWords: [textList, 'optional'],
  author: [text, 'optional'],
  description: [text, 'optional'],
  thumbnailPath: [pathString, 'optional'],
  mergeInto: [
    objectOf({ modelPath: [pathString], outPath: [pathString], strength: [numberIn(-4, 4)] }),
    'optional',
  ],
});

/** One row per training method; validate.ts's `satisfies` proves none is missing. */
export const TRAINING_ARG_SPECS = {
  getTrainingOptions: [],
  planTraining: [{ name: 'request', check: trainRequest }],
  startTraining: [{ name: 'request', check: trainRequest }],
  listJobs: [],
  controlJob: [
    { name: 'id', check: name },
    { name: 'action', check: oneOf(JOB_ACTIONS) },
  ],
  getRunMetrics: [{ name: 'runDir', check: pathString }],
  listSamples: [{ name: 'runDir', check: pathString }],
  generateImage: [{ name: 'request', check: generateRequest }],
  listRuns: [{ name: 'project', check: pathString }],
  listRunAdapters: [{ name: 'runDir', check: pathString }],
  listComparisons: [{ name: 'runDir', check: pathString }],
  renderComparison: [{ name: 'request', check: compareRequest }],
  exportAdapter: [{ name: 'request', check: exportRequest }],
  checkCompatibility: [
    { name: 'adapterPath', check: pathString },
    { name: 'modelPath', check: pathString },
  ],
} as const satisfies Record<keyof TrainingApi, readonly { name: string; check: ArgCheck }[]>;
