// The fast lane (`npm run test:unit`, vitest.unit.config.ts): tests that start no ONNX Runtime session, child
// process, browser or server and write no model files, so the lane runs in under a minute. Per folder: '*' for
// every test file under it, else the file names without `.test.ts`. unit-lane.test.ts checks what they import.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export const UNIT_LANE: Readonly<Record<string, '*' | readonly string[]>> = {
  'test/api': [
    'arg-checks',
    'errors',
    'format',
    'thumb-url',
    'upload-url',
    'validate-captioning',
    'validate-projects',
    'validate-training',
    'validate',
    'worker-messages',
  ],
  'test/app': '*',
  'test/caption': ['apply', 'catalogue', 'postprocess'],
  'test/caption/florence2': ['bart-tokenizer', 'config', 'generate'],
  'test/cli': ['args', 'lora-metadata-report', 'train-file'],
  'test/core': [
    'app-info',
    'app-paths',
    'directory',
    'events',
    'model-folders',
    'project-names',
    'window-process-imports',
  ],
  'test/dataset': ['buckets', 'cache-shards', 'caption-options', 'concurrency', 'tags'],
  'test/engine/autodiff': '*',
  'test/engine/graph': '*',
  'test/engine/onnx': ['proto', 'weight-placement'],
  'test/engine/passes': ['dce', 'fold', 'liveness'],
  'test/engine/runtime': ['errors', 'tensor-io'],
  'test/formats': ['atomic-write', 'remembered-digest', 'tfevents'],
  'test/formats/safetensors': ['header', 'read', 'write'],
  'test/lora': [
    'adapter-weights',
    'convert',
    'export-kohya',
    'export-peft',
    'hashes',
    'inject',
    'load',
    'metadata',
    'plan',
  ],
  'test/jobs': ['caption-run'],
  'test/models': [
    'detect-lora',
    'detect',
    'families',
    'inspect',
    'tokenizer',
    'unet-blocks',
    'vae-image',
    'vae-tiles',
    'weights',
  ],
  'test/models/keymap': '*',
  'test/renderer': ['icons', 'index-html'],
  'test/renderer/lib/api': '*',
  'test/renderer/lib/dataset': '*',
  'test/renderer/lib/format': '*',
  'test/renderer/lib/gallery': '*',
  'test/renderer/lib/state': ['first-run', 'run-status', 'training-helpers', 'training'],
  'test/renderer/screens/train': '*',
  'test/random': '*',
  'test/sample': ['cfg', 'prompt-file', 'schedules'],
  'test/sample/samplers': '*',
  'test/scripts': ['sz'],
  'test/server': ['events', 'guard', 'static'],
  'test/shaders': '*',
  'test/structure': '*',
  'test/train': [
    'batches',
    'checkpoint',
    'config-warnings',
    'config',
    'lr',
    'memory-estimate',
    'noise-schedule',
    'recommend',
    'step-graph',
  ],
  'test/train/optim': '*',
  // The guard of this list is itself a unit test.
  test: ['unit-lane'],
};

/** The lane as vitest include patterns. @example unitLaneGlobs() // ['test/api/arg-checks.test.ts', …, 'test/app/**\/*.test.ts', …] */
export function unitLaneGlobs(lane = UNIT_LANE): string[] {
  return Object.entries(lane).flatMap(([dir, names]) =>
    names === '*' ? [`${dir}/**/*.test.ts`] : names.map((n) => `${dir}/${n}.test.ts`),
  );
}

/** The lane's test files, relative to `root`. @example unitLaneFiles('.') // ['test/api/arg-checks.test.ts', …] */
export function unitLaneFiles(root: string, lane = UNIT_LANE): string[] {
  return Object.entries(lane).flatMap(([dir, names]) =>
    names === '*'
      ? readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
          .filter((f) => f.endsWith('.test.ts'))
          .map((f) => `${dir}/${f.split('\\').join('/')}`)
      : names.map((n) => `${dir}/${n}.test.ts`),
  );
}
