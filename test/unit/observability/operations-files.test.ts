import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { registry, sharedStateRegistry } from '../../../observability/metrics.ts';

// docs/alerts.yml and docs/grafana-dashboard.json name metrics by string: a renamed or
// misspelt metric would leave an alert that never fires and a panel that stays empty.

const DOCS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs');

/** What the Temporal SDK (1.24) exports with the options worker/main.ts sets, as scraped in test/integration/metrics.test.ts. */
const SDK_METRICS = [
  'temporal_activity_execution_latency_seconds',
  'temporal_activity_schedule_to_start_latency_seconds',
  'temporal_activity_succeed_endtoend_latency_seconds',
  'temporal_activity_task_received_total',
  'temporal_num_pollers',
  'temporal_request_latency_seconds',
  'temporal_request_total',
  'temporal_sticky_cache_hit_total',
  'temporal_sticky_cache_size',
  'temporal_worker_task_slots_available',
  'temporal_worker_task_slots_used',
  'temporal_workflow_task_execution_latency_seconds',
  'temporal_workflow_task_queue_poll_succeed_total',
  'temporal_workflow_task_replay_latency_seconds',
  'temporal_workflow_task_schedule_to_start_latency_seconds',
];
/** prom-client's process metrics and Prometheus's own `up`. */
const OTHER_METRICS = ['up', 'process_resident_memory_bytes'];

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: string };
  annotations: { summary: string; description: string };
}

const ours = async (): Promise<string[]> =>
  [...(await registry.getMetricsAsJSON()), ...(await sharedStateRegistry.getMetricsAsJSON())].map(
    (metric) => metric.name,
  );

/** The metric names an expression uses (label matchers and `by (…)` lists left out), histogram suffixes removed. */
function metricsIn(expr: string): string[] {
  const bare = expr.replace(/\{[^}]*\}/g, '').replace(/\b(by|without)\s*\([^)]*\)/g, '');
  return [...bare.matchAll(/\b(?:(?:lle|temporal|process|nodejs)_[a-z0-9_]+|up)\b/g)].map((m) =>
    m[0].replace(/(_seconds)_(bucket|sum|count)$/, '$1'),
  );
}

async function expectKnown(exprs: string[]): Promise<void> {
  const known = new Set([...(await ours()), ...SDK_METRICS, ...OTHER_METRICS]);
  const used = [...new Set(exprs.flatMap(metricsIn))];
  expect(used.length).toBeGreaterThan(5);
  expect(
    used.filter((name) => !known.has(name)),
    'metrics no process exports',
  ).toEqual([]);
}

describe('docs/alerts.yml', () => {
  const rules = async (): Promise<Rule[]> => {
    const file = parse(await readFile(path.join(DOCS, 'alerts.yml'), 'utf8')) as {
      groups: { name: string; rules: Rule[] }[];
    };
    return file.groups.flatMap((group) => group.rules);
  };

  it('is a Prometheus rule file with the alerts an on-call operator needs', async () => {
    const names = (await rules()).map((rule) => rule.alert);
    expect(new Set(names).size).toBe(names.length);
    for (const name of [
      'EmailSendFailures',
      'EmailRelayUnreachable',
      'EscalationsNotAcknowledged',
      'TaskQueueBacklog',
      'WorkflowTaskScheduleToStartSlow',
      'WorkerDown',
      'NoWorkers',
      'ApiDown',
    ]) {
      expect(names).toContain(name);
    }
  });

  it('gives every rule an expression, a severity, a summary and a description', async () => {
    for (const rule of await rules()) {
      expect(rule.expr.trim(), rule.alert).not.toBe('');
      expect(['critical', 'warning', 'info'], rule.alert).toContain(rule.labels.severity);
      expect(rule.annotations.summary, rule.alert).toBeTruthy();
      expect(rule.annotations.description, rule.alert).toBeTruthy();
      if (rule.for !== undefined) expect(rule.for, rule.alert).toMatch(/^\d+[smh]$/);
    }
  });

  it('names only metrics the API, the workers or Prometheus export', async () => {
    await expectKnown((await rules()).map((rule) => rule.expr));
  });
});

describe('docs/grafana-dashboard.json', () => {
  const dashboard = async () =>
    JSON.parse(await readFile(path.join(DOCS, 'grafana-dashboard.json'), 'utf8')) as {
      uid: string;
      panels: { id: number; type: string; targets?: { expr: string }[] }[];
    };

  it('is a dashboard whose panels have unique ids and queries', async () => {
    const { uid, panels } = await dashboard();
    expect(uid).toBe('lead-lifecycle-engine');
    expect(new Set(panels.map((panel) => panel.id)).size).toBe(panels.length);
    for (const panel of panels.filter((p) => p.type !== 'row'))
      expect(panel.targets?.length, `panel ${panel.id}`).toBeGreaterThan(0);
  });

  it('names only metrics the API, the workers or Prometheus export', async () => {
    const { panels } = await dashboard();
    await expectKnown(panels.flatMap((panel) => panel.targets ?? []).map((target) => target.expr));
  });
});
