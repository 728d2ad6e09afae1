// Argument rows for the captioning methods (api/captioning.ts), merged into validate.ts's table. Shapes and
// bounds only; whether a model id exists or a folder holds its files is the core's to say.
import {
  intIn,
  isRecord,
  name,
  numberIn,
  objectOf,
  oneOf,
  pathList,
  pathString,
  text,
  textList,
  type ArgCheck,
} from './arg-checks';
import { CAPTION_MODES, CAPTION_SCOPE_KINDS, CAPTION_TASKS, type CaptioningApi } from './captioning';

/** Most images a preview captions: it is a look before the run, not the run. */
export const MAX_PREVIEW_IMAGES = 16;

const scope: ArgCheck = (value) => {
  if (!isRecord(value)) return 'must be an object';
  if (!(CAPTION_SCOPE_KINDS as readonly unknown[]).includes(value.kind))
    return `kind must be one of ${CAPTION_SCOPE_KINDS.join(', ')}`;
  if (value.kind !== 'selected') return null;
  const complaint = pathList(value.rels);
  if (complaint) return `rels ${complaint}`;
  return (value.rels as unknown[]).length === 0 ? 'rels must name at least one image' : null;
};

const options = objectOf({
  modelId: [name],
  modelDir: [pathString, 'optional'],
  mode: [oneOf(CAPTION_MODES)],
  generalThreshold: [numberIn(0, 1), 'optional'],
  characterThreshold: [numberIn(0, 1), 'optional'],
  rating: [(v) => (typeof v === 'boolean' ? null : 'must be true or false'), 'optional'],
  exclude: [textList, 'optional'],
  prefix: [text, 'optional'],
  task: [oneOf(CAPTION_TASKS), 'optional'],
  beams: [intIn(1, 16), 'optional'],
  maxTokens: [intIn(1, 1024), 'optional'],
});

/** One row per captioning method; validate.ts's `satisfies` proves none is missing. */
export const CAPTIONING_ARG_SPECS = {
  listCaptionModels: [],
  downloadCaptionModel: [{ name: 'id', check: name }],
  cancelCaptionDownload: [{ name: 'id', check: name }],
  previewCaptions: [
    { name: 'project', check: pathString },
    { name: 'scope', check: scope },
    { name: 'options', check: options },
    { name: 'count', optional: true, check: intIn(1, MAX_PREVIEW_IMAGES) },
  ],
  captionImages: [
    { name: 'project', check: pathString },
    { name: 'scope', check: scope },
    { name: 'options', check: options },
  ],
  cancelCaptioning: [{ name: 'project', check: pathString }],
} as const satisfies Record<
  keyof CaptioningApi,
  readonly { name: string; check: ArgCheck; optional?: boolean }[]
>;
