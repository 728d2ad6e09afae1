import { defineConfig } from 'vitest/config';
import base from './vitest.config';
import { unitLaneGlobs } from './test/unit-lane';

// `npm run test:unit`: the fast lane of test/unit-lane.ts. Nothing in it loads ONNX Runtime, so worker
// threads (quicker to start than the main config's forks) are safe.
export default defineConfig({
  ...base,
  test: { ...base.test, include: unitLaneGlobs(), pool: 'threads' },
});
