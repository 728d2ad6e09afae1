import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// One runner for units, integration (real ORT, sharp, files) and the Chromium end-to-end tests.
export default defineConfig({
  plugins: [svelte()],
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // 2 cores here and in CI: more workers only fight over them (ORT uses 2 threads per session).
    maxWorkers: 2,
  },
});
