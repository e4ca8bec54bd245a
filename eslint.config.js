import { builtinModules } from 'node:module';
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Layer rules (STYLE.md "Boundaries"): shared imports nothing but zod; services never import
// electron; the renderer never imports the main process.
const noElectron = { name: 'electron', message: 'Only electron/main and electron/preload may import electron.' };
// The core runs under Electron, `labforge serve`, the CLI and tests alike: the shell is on top of it, never below.
const noMain = {
  regex: '^(\\.\\./)+(electron/)?(main|preload)(/|$)',
  message: 'The core never imports electron/main or electron/preload (the shell depends on the core, not back).',
};
// The renderer is web code: Node's modules are not there (bare names and node: ones).
const noNodeBuiltins = builtinModules.map((name) => ({
  name,
  message: 'The renderer is web code: no Node modules; ask the core through the API client.',
}));

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'native/**', 'test-results/**', 'build/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['electron/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!zod$|yaml$|\\./|\\.\\./)',
              message: 'electron/shared may import only zod, yaml (the taxonomy validator) and itself.',
            },
            {
              group: ['../core/*', '../main/*', '../preload/*', '../../*'],
              message: 'electron/shared may import only zod and itself.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/core/**/*.ts', 'test/**/*.ts', 'scripts/**/*'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [{ group: ['**/renderer/**'], message: 'Core never imports the renderer.' }, noMain],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron, ...noNodeBuiltins],
          patterns: [
            {
              group: ['**/electron/core/**', '**/electron/main/**', '**/electron/preload/**', 'node:*'],
              message: 'The renderer talks to the core only through the API client.',
            },
          ],
        },
      ],
    },
  },
);
