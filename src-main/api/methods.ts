// The runtime list of API methods and event names, checked at compile time against contract.ts so the
// IPC loop, the HTTP router and the renderer client can never miss one (Podman AI Lab's StudioAPI idea).
import type { ApiMethod, EventName } from './contract';

export const API_METHODS = [
  'getAppInfo',
  'inspectModel',
  'listDirectory',
  'getEnvironment',
  'setComputeThreads',
  'setProjectsFolder',
  'getProjectsFolder',
  'revealPath',
  // projects & dataset
  'createProject',
  'createNewProject',
  'openProject',
  'updateProject',
  'listRecentProjects',
  'listDataset',
  'importImages',
  'writeCaption',
  'editTags',
  'undoTagEdit',
  'tagFrequency',
  // training, samples & export
  'getTrainingOptions',
  'planTraining',
  'startTraining',
  'listJobs',
  'controlJob',
  'getRunMetrics',
  'listSamples',
  'generateImage',
  'listRuns',
  'listRunAdapters',
  'listComparisons',
  'renderComparison',
  'exportAdapter',
  'checkCompatibility',
  // auto-captioning
  'listCaptionModels',
  'downloadCaptionModel',
  'cancelCaptionDownload',
  'previewCaptions',
  'captionImages',
  'cancelCaptioning',
] as const satisfies readonly ApiMethod[];

export const EVENT_NAMES = [
  'app.log',
  'app.openFile',
  // projects & dataset
  'dataset.importProgress',
  'dataset.changed',
  // training, samples & export
  'train.job',
  'train.progress',
  'train.sample',
  'sample.preview',
  // auto-captioning
  'caption.progress',
  'caption.download',
] as const satisfies readonly EventName[];

/** `true` when a tuple lists every member of a union; otherwise a type naming the missing ones. */
type Covers<All, Listed> = [Exclude<All, Listed>] extends [never] ? true : { missing: Exclude<All, Listed> };

/** Compile-time proof: adding a method to TesseraApi without listing it here is a type error. */
export const API_METHODS_COVER_CONTRACT: Covers<ApiMethod, (typeof API_METHODS)[number]> = true;
export const EVENT_NAMES_COVER_CONTRACT: Covers<EventName, (typeof EVENT_NAMES)[number]> = true;

/** @example if (!isApiMethod(name)) throw new ApiError('NOT_FOUND', `no API method ${name}`) */
export function isApiMethod(name: unknown): name is ApiMethod {
  return typeof name === 'string' && (API_METHODS as readonly string[]).includes(name);
}

/** @example isEventName('app.log') // true */
export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && (EVENT_NAMES as readonly string[]).includes(name);
}
