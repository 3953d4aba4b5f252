import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const WORKFLOWS_DIR = path.join(ROOT, 'workflows');
const DOMAIN_DIR = path.join(ROOT, 'domain');

// `import … from '…'` and `export … from '…'`, but not `import type`: TypeScript erases
// those, so webpack never sees them.
const IMPORT = /^\s*(?:import|export)\s+(?!type\s)[^'";]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'/gm;

function importsOf(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  return [...source.matchAll(IMPORT)].map((m) => (m[1] ?? m[2]) as string);
}

/**
 * What the worker's bundle preloads (the SDK's `bundlerOptions.preloadModules`): the
 * `domain/` modules the workflows import, directly or through each other, and the
 * packages those import (the date polyfill, the holiday table). With the reusable V8
 * context, every new workflow instance, and every lead replayed after leaving the
 * 50-workflow cache, evaluates its modules again; these ones are evaluated once per
 * worker thread and shared, their module-level memos (parsed durations, zone offsets,
 * business days) with them. Profiled under `npm run bench -- touches` (1,000 touches), the
 * workflow thread spent 12.1 s of its 70 creating instances before (9.3 s of that evaluating
 * modules), and 4.7 s of 61 after (bench/README.md, fifth round).
 *
 * Sharing is safe because `domain/` is pure by rule: no I/O, no clock, no randomness, no
 * Temporal API, and its only module-level state is memos of pure functions, whose answers
 * are the same whichever workflow filled them. The SDK freezes what a preloaded module
 * exports, so a workflow that tried to change a shared export would fail loudly, in tests.
 * The list is read from the sources when the bundle is built, so a domain module a
 * workflow starts to import is preloaded without anyone remembering to add it.
 */
export function workflowPreloads(workflowsEntry: string): string[] {
  const domain = new Set<string>();
  const packages = new Set<string>();
  const seenWorkflowFiles = new Set<string>();
  const visitDomain = (file: string) => {
    if (domain.has(file)) return;
    domain.add(file);
    for (const specifier of importsOf(file)) {
      if (specifier.startsWith('.')) visitDomain(path.resolve(path.dirname(file), specifier));
      else packages.add(specifier);
    }
  };
  const visitWorkflow = (file: string) => {
    if (seenWorkflowFiles.has(file)) return;
    seenWorkflowFiles.add(file);
    for (const specifier of importsOf(file)) {
      if (!specifier.startsWith('.')) continue;
      const target = path.resolve(path.dirname(file), specifier);
      if (target.startsWith(DOMAIN_DIR + path.sep)) visitDomain(target);
      else if (target.startsWith(WORKFLOWS_DIR + path.sep)) visitWorkflow(target);
    }
  };
  visitWorkflow(workflowsEntry);
  return [...[...packages].sort(), ...[...domain].sort()];
}
