import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import { layersPlugin } from './scripts/lint/layers.js';

export default tseslint.config(
  { ignores: ['node_modules', 'out', 'dist', 'release', 'test/.tmp', '.dev', '.gl'] }, // .dev, .gl: local GPU-bench bundles (gitignored)
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser }, globals: globals.browser },
  },
  {
    // The layer table (scripts/lint/layers.js): an upward import fails with the rule's name, tessera/layers.
    files: ['src-main/**/*.ts', 'src-renderer/**/*.ts', 'src-renderer/**/*.svelte'],
    plugins: { tessera: layersPlugin },
    rules: { 'tessera/layers': 'error' },
  },
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      'no-empty': ['error', { allowEmptyCatch: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
