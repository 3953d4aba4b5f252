import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, isPortFree } from '../../stack/free-port.ts';
import { freeClusterFrontendPort } from '../../stack/temporal-cluster.ts';
import { resolveTemporalServer } from '../../stack/temporal-server-build.ts';
import { alive, HELLO_TEMPLATE, pidsIn, stackHome, type RunningStack } from '../support/npm-start.ts';
import { mailTo, stack, waitFor } from '../support/services.ts';

// `TEMPORAL_LOCAL=cluster WORKERS=2 npm start`: the production topology on one machine. The
// Temporal server (built from the Go module proxy, or found in the cache) with PostgreSQL
// persistence and visibility in the embedded PostgreSQL, the API and two workers on one
// task queue, driven over real HTTP. Workers and the Temporal server are supervised: each
// is killed once and must come back by itself.

/** Two consecutive free ports, the first returned: the base of two workers' metrics ports. */
async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await freePort();
    if (port < 65535 && (await isPortFree(port + 1))) return port;
  }
  throw new Error('no two consecutive free ports found');
}

describe('TEMPORAL_LOCAL=cluster npm start', () => {
  let serverDir: string;
  const cleanups: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    // The first run on a machine builds the server (minutes); later runs find it cached.
    const build = await resolveTemporalServer({
      explicitDir: process.env.TEMPORAL_SERVER_DIR,
      projectDir: stack().projectDir,
      log: (line) => process.stdout.write(`${line}\n`),
    });
    serverDir = build.dir;
  }, 1_200_000);
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it(
    'runs the Temporal server on PostgreSQL with two workers on their own metrics ports, restarts a killed worker and a killed Temporal server, restarts cleanly and leaves no process behind',
    { timeout: 420_000 },
    async () => {
      const home = await stackHome('lle-cluster-', {
        TEMPORAL_LOCAL: 'cluster',
        WORKERS: '2',
        TEMPORAL_SERVER_DIR: serverDir,
        TEMPORAL_DEV_PORT: String(await freeClusterFrontendPort()),
        WORKER_METRICS_PORT: String(await freePortPair()),
      });
      cleanups.push(home.cleanup);
      const { outbox, env, port } = home;
      const seenPids = new Set<number>();
      const notePids = (r: RunningStack) => {
        for (const pattern of [
          /(?:api|worker-\d) started \(pid (\d+)\)/,
          /PostgreSQL +embedded \(pid (\d+)\)/,
          /\(server pid (\d+)/,
          /Temporal server started \(pid (\d+)\)/,
        ]) {
          for (const pid of pidsIn(r.lines, pattern)) seenPids.add(pid);
        }
      };
      let run = home.start();
      const ready = async (r: RunningStack) => {
        await r.up(240_000);
        notePids(r);
      };
      await ready(run);
      const output = run.lines.join('\n');
      expect(output).toContain('Starting the Temporal server v1.31.2 (PostgreSQL persistence and visibility)');
      expect(output).toMatch(/Workers +2 on task queue "lead-lifecycle"/);
      expect(pidsIn(run.lines, /worker-1 started \(pid (\d+)\)/)).toHaveLength(1);
      expect(pidsIn(run.lines, /worker-2 started \(pid (\d+)\)/)).toHaveLength(1);

      // Each worker serves its own /metrics, on the base port and the next one.
      const metricsBase = Number(env.WORKER_METRICS_PORT);
      const workerMetrics = (port: number) =>
        fetch(`http://127.0.0.1:${port}/metrics`).then(
          async (res) => (res.status === 200 ? res.text() : ''),
          () => '',
        );
      for (const [i, port] of [metricsBase, metricsBase + 1].entries()) {
        await waitFor(
          async () =>
            run.lines.some((l) => l.includes(`[worker-${i + 1}] worker metrics on http://127.0.0.1:${port}/metrics`)),
          `worker-${i + 1} to serve metrics on ${port}`,
          60_000,
        );
        expect(await workerMetrics(port)).toContain('process_resident_memory_bytes');
      }
      expect(output).toMatch(
        new RegExp(
          `Metrics +http://127\\.0\\.0\\.1:${port}/metrics \\(API\\); workers http://127\\.0\\.0\\.1:\\{${metricsBase}\\.\\.${metricsBase + 1}\\}/metrics`,
        ),
      );

      const { api, secrets } = await home.api();

      expect((await api('PUT', '/v1/templates/hello', HELLO_TEMPLATE)).status).toBe(201);
      expect(
        (
          await api('PUT', '/v1/cadences/default', {
            name: 'Cluster',
            nurture: { steps: [{ after: 'PT2S', channel: 'email', template: 'hello' }] },
          })
        ).status,
      ).toBe(201);
      const first = await api('POST', '/v1/leads', { email: 'cluster-1@example.jp', name: '佐藤' });
      expect(first.status).toBe(201);
      const [mail] = await waitFor(
        async () => {
          const received = await mailTo('cluster-1@example.jp', outbox);
          return received.length === 1 && received;
        },
        'the first email',
        60_000,
      );
      expect(mail?.subject).toBe('こんにちは 佐藤 様');

      // The workflow lives in the server's PostgreSQL database, not in a dev server's SQLite.
      const temporalDb = new pg.Client({
        connectionString: `postgres://postgres:${encodeURIComponent(secrets.postgresPassword)}@127.0.0.1:${env.POSTGRES_DEV_PORT}/temporal`,
      });
      await temporalDb.connect();
      const executions = await temporalDb
        .query<{ count: string }>('SELECT count(*) FROM executions')
        .finally(() => temporalDb.end());
      expect(Number(executions.rows[0]?.count)).toBeGreaterThan(0);

      const [workerPid] = pidsIn(run.lines, /worker-1 started \(pid (\d+)\)/);
      process.kill(workerPid as number, 'SIGKILL');
      await waitFor(
        async () => pidsIn(run.lines, /worker-1 started \(pid (\d+)\)/).length === 2,
        'worker-1 to be restarted',
        30_000,
      );
      notePids(run);
      expect(run.lines.join('\n')).toMatch(/worker-1 exited \(SIGKILL\); restarting/);
      const second = await api('POST', '/v1/leads', { email: 'cluster-2@example.jp', name: '高橋' });
      expect(second.status).toBe(201);
      await waitFor(
        async () => (await mailTo('cluster-2@example.jp', outbox)).length === 1,
        'an email after the kill',
        60_000,
      );
      // The first lead's one step is done and nothing of it is in flight (a resend after the
      // kill would be an activity): its count is final.
      await home.leadAtRest(api, String(first.json.id));
      expect(await mailTo('cluster-1@example.jp', outbox)).toHaveLength(1);
      // The restarted worker-1 took its own metrics port again.
      await waitFor(
        async () => (await workerMetrics(metricsBase)).includes('process_resident_memory_bytes'),
        'worker-1 metrics after its restart',
        60_000,
      );

      // The Temporal server dies: the supervisor starts it again, and mail flows again.
      const [serverPid] = pidsIn(run.lines, /\(server pid (\d+)/);
      process.kill(serverPid as number, 'SIGKILL');
      await waitFor(
        async () => run.lines.some((l) => /\[temporal\] Temporal server ready again \(pid \d+\) after/.test(l)),
        'the Temporal server to be restarted and ready',
        180_000,
      );
      notePids(run);
      expect(run.lines.join('\n')).toMatch(/\[temporal\] Temporal server exited \(SIGKILL\); restarting in 0\.5 s/);
      const third = await api('POST', '/v1/leads', { email: 'cluster-3@example.jp', name: '田中' });
      expect(third.status).toBe(201);
      await waitFor(
        async () => (await mailTo('cluster-3@example.jp', outbox)).length === 1,
        'an email after the Temporal server restart',
        180_000,
      );

      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      expect([...seenPids].filter(alive)).toEqual([]);

      // Databases and schema exist now: the second start skips creating them and comes up on the same data.
      run = home.start();
      await ready(run);
      expect(run.lines.join('\n')).not.toContain('Creating the temporal database');
      const reread = await api('GET', `/v1/leads/${String(first.json.id)}`);
      expect(reread.json).toMatchObject({ email: 'cluster-1@example.jp', touches: 1 });
      run.child.kill('SIGINT');
      expect(await run.exited).toBe(0);
      expect([...seenPids].filter(alive)).toEqual([]);
    },
  );
});
