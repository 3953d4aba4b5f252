import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WORKFLOWS_PATH } from '../../worker/create-worker.ts';
import { workflowPreloads } from '../../worker/workflow-preloads.ts';
import { stack } from '../support/services.ts';

// The worker's bundle preloads the domain modules its workflows import (worker/workflow-preloads.ts),
// so a new workflow instance does not evaluate them again. Checked against the bundle the
// whole suite runs its workflows on (built once by test/support/global-setup.ts), so the
// lifecycle, replay and simulated-years tests all run with the modules shared.

const ROOT = path.join(path.dirname(WORKFLOWS_PATH), '..');
const preloads = workflowPreloads(WORKFLOWS_PATH);
const domainPreloads = preloads.filter((p) => path.isAbsolute(p)).map((p) => `./${path.relative(ROOT, p)}`);

describe('the modules preloaded into the workflow bundle', () => {
  it('are exactly the domain modules in the bundle, each required by its preload function', () => {
    const code = stack().workflowBundleCode;
    const inBundle = [...code.matchAll(/^\/\*\*\*\/ "(\.\/domain\/[^"]+)"/gm)].map((m) => m[1]);
    expect(domainPreloads.length).toBeGreaterThan(10);
    expect(new Set(domainPreloads)).toEqual(new Set(inBundle));
    const preloadFunction = /exports\.preloadModules = function preloadModules\(\) \{([\s\S]*?)\n\}/.exec(code)?.[1];
    expect(preloadFunction).toBeDefined();
    for (const id of domainPreloads) expect(preloadFunction).toContain(`"${id}"`);
  });

  it('are pure: domain modules and the packages they import, never Node or the Temporal SDK', () => {
    expect(domainPreloads).toContain('./domain/duration.ts');
    expect(domainPreloads).toContain('./domain/touch-plan.ts');
    for (const p of preloads.filter((p) => path.isAbsolute(p))) {
      expect(p.startsWith(path.join(ROOT, 'domain') + path.sep)).toBe(true);
      expect(existsSync(p)).toBe(true);
    }
    const packages = preloads.filter((p) => !path.isAbsolute(p));
    expect(packages).toEqual(['@holiday-jp/holiday_jp/lib/holidays.js', 'temporal-polyfill/implementation']);
  });

  it('leave out domain modules only a type import or no workflow reaches', () => {
    // Workflows import cadence.ts for its types only (`import type`, erased), and it imports
    // typebox: preloading it would put typebox into every worker's bundle.
    expect(domainPreloads).not.toContain('./domain/cadence.ts');
    // segment-query.ts is the API's and the activities', never a workflow's.
    expect(domainPreloads).not.toContain('./domain/segment-query.ts');
    const code = stack().workflowBundleCode;
    expect(code).not.toContain('"./domain/cadence.ts"');
    expect(code).not.toContain('node_modules/typebox/');
  });
});
