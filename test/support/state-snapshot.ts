import type { Client, WorkflowClientInterceptor } from '@temporalio/client';
import type pg from 'pg';

/**
 * The tables whose content a rejected request must leave as it was, with the columns
 * compared. `api_keys.last_used_at` is left out: authenticating (which a rejected request
 * may do) stamps it by design.
 */
const TABLES: Record<string, string> = {
  leads: 't',
  deliveries: 't',
  tasks: 't',
  escalations: 't',
  webhook_receipts: 't',
  suppressions: 't',
  cadences: 't',
  templates: 't',
  timeline: 't',
  events: 't',
  api_keys: '(t.id, t.name, t.role, t.key_digest, t.key_prefix, t.created_at, t.revoked_at)',
  console_sessions: 't',
};

/** What the database and Temporal hold, comparable with `toEqual`. */
export interface StateSnapshot {
  /** Per table: row count and an MD5 of every row, in a fixed order. */
  tables: Record<string, string>;
  /** Workflows on the app's task queue (visibility count). */
  workflows: number;
  /** History length per watched workflow: a signal that slipped through shows here at once. */
  histories: Record<string, number>;
}

/**
 * Takes a snapshot of the read model and of the workflows of `taskQueue` (and the history
 * lengths of `watched`). Visibility lags starts a little: call {@link settleWorkflowCount}
 * first when workflows were just started.
 */
export async function snapshotState(
  pool: pg.Pool,
  client: Client,
  taskQueue: string,
  watched: readonly string[] = [],
): Promise<StateSnapshot> {
  const sql = Object.entries(TABLES)
    .map(
      ([table, row]) =>
        `SELECT '${table}' AS name, count(*) || ':' || md5(coalesce(string_agg(${row}::text, E'\\n' ORDER BY ${row}::text), '')) AS digest FROM ${table} t`,
    )
    .join(' UNION ALL ');
  const { rows } = await pool.query<{ name: string; digest: string }>(sql);
  const histories: Record<string, number> = {};
  for (const workflowId of watched)
    histories[workflowId] = (await client.workflow.getHandle(workflowId).describe()).historyLength;
  const { count } = await client.workflow.count(`TaskQueue = "${taskQueue}"`);
  return { tables: Object.fromEntries(rows.map((r) => [r.name, r.digest])), workflows: count, histories };
}

/** Waits until Temporal's visibility lists `expected` workflows on `taskQueue` (it lags the starts a little). */
export async function settleWorkflowCount(
  client: Client,
  taskQueue: string,
  expected: number,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { count } = await client.workflow.count(`TaskQueue = "${taskQueue}"`);
    if (count === expected) return;
    if (Date.now() > deadline)
      throw new Error(`visibility lists ${count} workflows on ${taskQueue}, expected ${expected}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A workflow start or signal the API's Temporal client made, as `start <workflowId>` / `signal <workflowId>`. */
export type TemporalCommand = `${'start' | 'signal'} ${string}`;

/**
 * A client interceptor that lists every workflow start and signal the app's client makes,
 * as it makes it: unlike visibility, which lags, the list proves at once what a request
 * asked of Temporal (and, empty, that it asked nothing).
 */
export function recordTemporalCommands(): { interceptor: WorkflowClientInterceptor; commands: TemporalCommand[] } {
  const commands: TemporalCommand[] = [];
  const interceptor: WorkflowClientInterceptor = {
    async start(input, next) {
      const runId = await next(input);
      commands.push(`start ${input.options.workflowId}`);
      return runId;
    },
    async startWithDetails(input, next) {
      const output = await next(input);
      commands.push(`start ${input.options.workflowId}`);
      return output;
    },
    async signalWithStart(input, next) {
      const runId = await next(input);
      // Starts only a workflow not running; the lead workflows it signals run from their lead's creation.
      commands.push(`signal ${input.options.workflowId}`);
      return runId;
    },
    async signal(input, next) {
      await next(input);
      commands.push(`signal ${input.workflowExecution.workflowId}`);
    },
  };
  return { interceptor, commands };
}

/** Waits until `pool` has no query running or waiting: writes a route makes after its reply (tracking) have landed. */
export async function settlePool(pool: pg.Pool, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // The writes start before the reply is sent (a client is asked for at once), so an idle
  // pool after the reply means they are done. Concurrent tests sharing the pool leave it
  // idle only between their own queries, which on a loaded machine are slow: look often,
  // and for long (one CI-like run at load average 30 outlasted 10 s).
  while (pool.totalCount - pool.idleCount > 0 || pool.waitingCount > 0) {
    if (Date.now() > deadline) throw new Error('queries still running on the pool');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
