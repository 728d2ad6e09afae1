// Argument checks for every API method, one row per method: front doors run these before calling
// services, so a renderer bug or a hand-written HTTP request fails with INVALID_ARGUMENT, not a crash.
import { isRecord, name, objectOf, oneOf, pathList, pathString, text, type ArgSpec } from './arg-checks';
import type { ApiArgs, ApiMethod, DirectoryShow } from './contract';
import { ApiError } from './errors';
import { isApiMethod } from './methods';
import { TAG_EDIT_KINDS } from './projects';
import { CAPTIONING_ARG_SPECS } from './validate-captioning';
import { configPatch, TRAINING_ARG_SPECS } from './validate-training';

/** Field checks per TagEdit kind; absent optional fields are fine. */
const TAG_EDIT_FIELDS: Readonly<Record<(typeof TAG_EDIT_KINDS)[number], Record<string, ArgSpec['check']>>> = {
  add: { tag: name },
  remove: { tag: name },
  replace: { from: name, to: name },
  findReplace: { find: name, replace: text },
  prependTrigger: { trigger: name },
  sortDedupe: {},
  set: { caption: text },
};

const tagEdit = (value: unknown): string | null => {
  if (!isRecord(value)) return 'must be an object';
  const kind = value.kind as (typeof TAG_EDIT_KINDS)[number];
  if (!(TAG_EDIT_KINDS as readonly unknown[]).includes(kind))
    return `kind must be one of ${TAG_EDIT_KINDS.join(', ')}`;
  for (const [field, check] of Object.entries(TAG_EDIT_FIELDS[kind])) {
    const complaint = check(value[field]);
    if (complaint) return `${field} ${complaint}`;
  }
  if (value.keepFirst !== undefined && !(Number.isInteger(value.keepFirst) && Number(value.keepFirst) >= 0))
    return 'keepFirst must be a whole number ≥ 0';
  return null;
};

/** Bounds for project settings: one row per field, [min, max] for numbers. */
const SETTING_BOUNDS = { resolution: [256, 2048], minSide: [0, 4096] } as const;

const projectSettings = (value: unknown): string | null => {
  if (!isRecord(value)) return 'settings must be an object';
  for (const [field, [min, max]] of Object.entries(SETTING_BOUNDS)) {
    const n = value[field];
    if (n !== undefined && !(Number.isInteger(n) && Number(n) >= min && Number(n) <= max))
      return `settings.${field} must be a whole number from ${min} to ${max}`;
  }
  if (value.noUpscale !== undefined && typeof value.noUpscale !== 'boolean')
    return 'settings.noUpscale must be true or false';
  return null;
};

const projectTraining = objectOf({
  presetId: [(v) => (v === null ? null : name(v))],
  config: [configPatch],
  name: [text],
  prompts: [text],
});

const threadCount = (value: unknown): string | null =>
  value === null || (Number.isInteger(value) && Number(value) >= 1 && Number(value) <= 1024)
    ? null
    : 'must be null (automatic) or a whole number from 1 to 1024';

const projectPatch = (value: unknown): string | null => {
  if (!isRecord(value)) return 'must be an object';
  if (value.name !== undefined && name(value.name)) return `name ${name(value.name)}`;
  const model = value.baseModelPath;
  if (model !== undefined && model !== null && pathString(model)) return `baseModelPath ${pathString(model)}`;
  if (value.training !== undefined && value.training !== null) {
    const complaint = projectTraining(value.training);
    if (complaint) return `training ${complaint}`;
  }
  return value.settings === undefined ? null : projectSettings(value.settings);
};

const DIRECTORY_SHOWS = ['models', 'images'] as const satisfies readonly DirectoryShow[];

/** The one table of method arguments; `satisfies` makes a new method without a row a type error. */
export const ARG_SPECS = {
  getAppInfo: [],
  inspectModel: [{ name: 'path', check: pathString }],
  listDirectory: [
    { name: 'path', optional: true, check: pathString },
    { name: 'show', optional: true, check: oneOf(DIRECTORY_SHOWS) },
  ],
  getEnvironment: [],
  setComputeThreads: [{ name: 'threads', check: threadCount }],
  setProjectsFolder: [{ name: 'dir', check: pathString }],
  getProjectsFolder: [],
  revealPath: [{ name: 'path', check: pathString }],
  // projects & dataset
  createProject: [
    { name: 'dir', check: pathString },
    { name: 'name', check: name },
  ],
  createNewProject: [{ name: 'name', optional: true, check: name }],
  openProject: [{ name: 'dir', check: pathString }],
  updateProject: [
    { name: 'dir', check: pathString },
    { name: 'patch', check: projectPatch },
  ],
  listRecentProjects: [],
  listDataset: [{ name: 'project', check: pathString }],
  importImages: [
    { name: 'project', check: pathString },
    { name: 'paths', check: pathList },
  ],
  writeCaption: [
    { name: 'project', check: pathString },
    { name: 'rel', check: pathString },
    { name: 'caption', check: text },
  ],
  editTags: [
    { name: 'project', check: pathString },
    { name: 'rels', check: pathList },
    { name: 'edit', check: tagEdit },
  ],
  undoTagEdit: [{ name: 'project', check: pathString }],
  tagFrequency: [{ name: 'project', check: pathString }],
  ...TRAINING_ARG_SPECS,
  ...CAPTIONING_ARG_SPECS,
} as const satisfies Record<ApiMethod, readonly ArgSpec[]>;

/**
 * Checks a method name and its arguments as they arrived over a wire; throws ApiError INVALID_ARGUMENT
 * (or NOT_FOUND for an unknown method) and returns the arguments typed on success.
 * @example const args = validateArgs('inspectModel', ['/m/a.safetensors']); await services.inspectModel(...args)
 */
export function validateArgs<M extends ApiMethod>(method: M, args: unknown): ApiArgs<M>;
export function validateArgs(method: string, args: unknown): unknown[];
export function validateArgs(method: string, args: unknown): unknown[] {
  if (!isApiMethod(method)) throw new ApiError('NOT_FOUND', `There is no API method "${method}".`);
  if (!Array.isArray(args)) throw new ApiError('INVALID_ARGUMENT', `${method}: arguments must be an array.`);
  const specs: readonly ArgSpec[] = ARG_SPECS[method];
  if (args.length > specs.length) {
    throw new ApiError(
      'INVALID_ARGUMENT',
      `${method} takes at most ${specs.length} argument(s), got ${args.length}.`,
    );
  }
  specs.forEach((spec, i) => {
    const value: unknown = args[i];
    if (value === undefined && spec.optional) return;
    const complaint = value === undefined ? 'is required' : spec.check(value);
    if (complaint) throw new ApiError('INVALID_ARGUMENT', `${method}: ${spec.name} ${complaint}.`);
  });
  return args;
}
