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
  exportAdapter: [{ name: 'request', check: exportRequest }],
  checkCompatibility: [
    { name: 'adapterPath', check: pathString },
    { name: 'modelPath', check: pathString },
  ],
} as const satisfies Record<keyof TrainingApi, readonly { name: string; check: ArgCheck }[]>;
