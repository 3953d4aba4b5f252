// @ts-check
import { existsSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import ts from 'typescript';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

// The layers, top to bottom (docs/architecture.md). A folder may import from its own
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
  {
    target: ['domain', 'config', 'observability'],
    from: [...HTTP, ...ROOTS, 'workflows', 'activities', 'intake', 'crm', 'mail', 'db'],
  },
].map(({ target, from }) => ({
  target: target.map((folder) => `./${folder}`),
  from: from.map((folder) => `./${folder}`),
  message: 'Dependencies point down: api → workflows/activities → intake → crm/mail → db → domain/config.',
}));

/** @type {Map<string, { mtimeMs: number; imports: string[] }>} Read again only when a file changes (an editor's long-lived ESLint). */
const importCache = new Map();
/** A file's relative imports, resolved to paths. @param {string} file @returns {string[]} */
function importsOf(file) {
  const { mtimeMs } = statSync(file);
  const cached = importCache.get(file);
  if (cached?.mtimeMs === mtimeMs) return cached.imports;
  // TypeScript's own scan of import and export specifiers: `import type` included.
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  const imports = importedFiles
    .map((f) => f.fileName)
    .filter((name) => name.startsWith('.'))
    .map((name) => path.resolve(path.dirname(file), name))
    .filter((target) => existsSync(target) && statSync(target).isFile());
  importCache.set(file, { mtimeMs, imports });
  return imports;
}

/**
 * import-x/no-cycle ignores type-only imports, and the layer zones allow anything within
 * one folder; this rule closes that gap (a route importing a type from the app that
 * imports the route): no import circle between files, type imports included.
 * @type {import('eslint').Rule.RuleModule}
 */
const noTypeImportCycle = {
  meta: { type: 'problem', schema: [], messages: { cycle: 'Import circle (type imports count too): {{route}}' } },
  create(context) {
    return {
      Program(node) {
        const start = context.filename;
        /** @type {Map<string, string | null>} */
        const cameFrom = new Map();
        /** @type {string[]} */
        const queue = [];
        /** @param {string} next @param {string | null} from */
        const visit = (next, from) => {
          if (cameFrom.has(next)) return;
          cameFrom.set(next, from);
          queue.push(next);
        };
        for (const next of importsOf(start)) visit(next, null);
        for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
          if (file === start) {
            const route = [];
            for (let at = cameFrom.get(start); at; at = cameFrom.get(at))
              route.unshift(path.relative(import.meta.dirname, at));
            const here = path.relative(import.meta.dirname, start);
            context.report({ node, messageId: 'cycle', data: { route: [here, ...route, here].join(' → ') } });
            return;
          }
          for (const next of importsOf(file)) visit(next, file);
        }
      },
    };
  },
};

export default tseslint.config(
  { ignores: ['node_modules/**', '.data/**', '.tools/**', 'test/artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    plugins: { 'import-x': importX, local: { rules: { 'no-type-import-cycle': noTypeImportCycle } } },
    settings: {
      // Imports name their files (`./lead.ts`), so Node's resolution finds them; imported
      // .ts files are read with the TypeScript parser to follow their imports in turn.
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js'] })],
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        projectService: { allowDefaultProject: ['eslint.config.js', 'bench/memory-probe.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
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
      // No import circles across files, and dependencies point down (layerZones above).
      // no-cycle skips type-only imports; local/no-type-import-cycle counts them too.
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: layerZones }],
      'local/no-type-import-cycle': 'error',
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
          paths: nodeBuiltins.map((name) => ({
            name,
            message: 'Workflow and domain code must be deterministic: no Node.js built-ins.',
          })),
          patterns: [
            {
              group: [
                '**/activities/**',
                '**/db/**',
                '**/api/**',
                '**/mail/**',
                '**/crm/**',
                '**/intake/**',
                '**/stack/**',
                '**/worker/**',
                '**/config/**',
                '**/observability/**',
              ],
              allowTypeImports: true,
              message: 'Only types may come from I/O code into workflow or domain code.',
            },
            {
              group: [
                'pg',
                'nodemailer',
                'fastify',
                'mjml',
                'prom-client',
                '@temporalio/client',
                '@temporalio/worker',
                '@temporalio/activity',
              ],
              message: 'No I/O libraries in workflow or domain code.',
            },
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
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: { projectService: false, program: null, project: false },
    },
  },
);
