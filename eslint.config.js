// @ts-check
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

// The layers, top to bottom (README: architecture). A folder may import from its own
// layer's code and from any layer below, never from above: each zone names a folder and
// the folders it must not import, type imports included.
const HTTP = ['api', 'console'];
const ROOTS = ['worker', 'stack', 'bench'];
const layerZones = [
  { target: ['workflows'], from: [...HTTP, ...ROOTS] },
  { target: ['activities'], from: [...HTTP, ...ROOTS, 'workflows'] },
  { target: ['intake'], from: [...HTTP, ...ROOTS, 'workflows', 'activities'] },
  { target: ['crm', 'mail'], from: [...HTTP, ...ROOTS, 'workflows', 'activities', 'intake'] },
  { target: ['db'], from: [...HTTP, ...ROOTS, 'workflows', 'activities', 'intake', 'crm', 'mail'] },
  { target: ['domain', 'config'], from: [...HTTP, ...ROOTS, 'workflows', 'activities', 'intake', 'crm', 'mail', 'db'] },
].map(({ target, from }) => ({
  target: target.map((folder) => `./${folder}`),
  from: from.map((folder) => `./${folder}`),
  message: 'Dependencies point down: api → workflows/activities → intake → crm/mail → db → domain/config.',
}));

export default tseslint.config(
  { ignores: ['node_modules/**', '.data/**', '.tools/**', 'test/artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    plugins: { 'import-x': importX },
    settings: {
      // Imports name their files (`./lead.ts`), so Node's resolution finds them; imported
      // .ts files are read with the TypeScript parser to follow their imports in turn.
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js'] })],
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/explicit-module-boundary-types': 'off',
      '@typescript-eslint/only-throw-error': 'error',
      // Fastify plugins and handlers are async by contract, with or without an await inside.
      '@typescript-eslint/require-await': 'off',
      // No import circles across files. no-cycle skips type-only imports, so the layer
      // zones (layerZones above) are what keeps circles made of types out.
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: layerZones }],
    },
  },
  {
    // The workflow sandbox boundary, enforced rather than remembered: workflow code and
    // the pure domain it imports may use no Node built-ins and no I/O modules; workflows
    // may import activities only as types (through proxyActivities).
    files: ['workflows/**/*.ts', 'domain/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow and domain code must be deterministic: no Node.js built-ins.' })),
          patterns: [
            { group: ['**/activities/**', '**/db/**', '**/api/**', '**/mail/**', '**/crm/**', '**/intake/**', '**/stack/**', '**/worker/**', '**/config/**'], allowTypeImports: true, message: 'Only types may come from I/O code into workflow or domain code.' },
            { group: ['pg', 'nodemailer', 'fastify', 'mjml', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'], message: 'No I/O libraries in workflow or domain code.' },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
  {
    // The console's one browser script: plain JavaScript, checked without type information.
    files: ['console/assets/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { ...globals.browser }, parserOptions: { projectService: false, program: null, project: false } },
  },
);
