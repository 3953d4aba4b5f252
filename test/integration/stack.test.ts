import { readdir, chmod, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../stack/free-port.ts';
import { dataDirMode } from '../../stack/local-secrets.ts';
import { alive, HELLO_TEMPLATE, pidsIn, stackHome, startStack, type RunningStack } from '../support/npm-start.ts';
import { mailTo, waitFor } from '../support/services.ts';

// `npm start` as a user runs it: the supervisor with embedded PostgreSQL, the Temporal dev
// server, the capture SMTP server, the API and the worker, driven over real HTTP.

/** The pid the supervisor printed after `name` ("worker started (pid 12)", "Temporal ... (dev server pid 34)"). */
const named = (name: string): RegExp => new RegExp(`${name}[^(]*\\((?:dev server )?pid (\\d+)\\)`);

describe('npm start', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('stops with a message naming the variable when the configuration is invalid', async () => {
    const run = startStack({ PORT: 'eighty' });
    expect(await run.exited).toBe(78);
    expect(run.lines.join('\n')).toContain('PORT: must be a port number');
  });

  it(
    'runs the slice, restarts a killed worker without a duplicate email, keeps data across a restart and leaves no process behind',
    { timeout: 300_000 },
    async () => {
      const home = await stackHome('lle-stack-', { TEMPORAL_DEV_PORT: String(await freePort()) });
      cleanups.push(home.cleanup);
      const { dataDir, outbox } = home;
      // A loose secrets file, as one copied in or made by hand may have: npm start tightens it.
      await writeFile(path.join(dataDir, 'secrets.json'), '{}\n', { mode: 0o644 });
      await chmod(path.join(dataDir, 'secrets.json'), 0o644);
      const seenPids = new Set<number>();
      let run = home.start();
      const ready = async (r: RunningStack) => {
        await r.up(180_000);
        for (const name of ['api', 'worker', 'PostgreSQL', 'Temporal'])
          for (const pid of pidsIn(r.lines, named(name))) seenPids.add(pid);
      };
      await ready(run);

      const { api, secrets } = await home.api();
      expect((await stat(path.join(dataDir, 'secrets.json'))).mode & 0o777).toBe(0o600);
      expect((await stat(dataDir)).mode & 0o777).toBe(dataDirMode());
      expect(run.lines.join('\n')).toContain(secrets.adminApiKey);

      expect((await api('PUT', '/v1/templates/hello', HELLO_TEMPLATE)).status).toBe(201);
      expect(
        (
          await api('PUT', '/v1/cadences/default', {
            name: 'Stack',
            nurture: {
              steps: [
                { after: 'PT1S', channel: 'email', template: 'hello' },
                { after: 'PT8S', channel: 'email', template: 'hello' },
              ],
            },
          })
        ).status,
      ).toBe(201);
      const lead = await api('POST', '/v1/leads', { email: 'kill-test@example.jp', name: '鈴木' });
      expect(lead.status).toBe(201);

      await waitFor(async () => (await mailTo('kill-test@example.jp', outbox)).length === 1, 'the first email', 30_000);
      const [workerPid] = pidsIn(run.lines, named('worker started'));
      expect(workerPid).toBeDefined();
      process.kill(workerPid as number, 'SIGKILL');
      await waitFor(
        async () => pidsIn(run.lines, named('worker started')).length === 2,
        'the worker to be restarted',
        30_000,
      );
      for (const pid of pidsIn(run.lines, named('worker'))) seenPids.add(pid);

      const mails = await waitFor(
        async () => {
          const received = await mailTo('kill-test@example.jp', outbox);
          return received.length >= 2 && received;
        },
        'the second email after the restart',
        60_000,
      );
      // Both steps done and nothing in flight (a resend of the first would be an activity):
      // the count is final.
      await home.leadAtRest(api, String(lead.json.id));
      expect(await mailTo('kill-test@example.jp', outbox)).toHaveLength(2);
      expect(new Set(mails.map((m) => m.messageId)).size).toBe(2);
      expect(mails[0]?.subject).toBe('こんにちは 鈴木 様');

      // A lead whose touch is still waiting on its timer when everything stops.
      await api('PUT', '/v1/cadences/later', {
        name: 'Later',
        // Long enough for a loaded machine to stop the stack first (checked below).
        nurture: { steps: [{ after: 'PT30S', channel: 'email', template: 'hello' }] },
      });
      const waiting = await api('POST', '/v1/leads', { email: 'timer-survives@example.jp', cadence: 'later' });
      expect(waiting.status).toBe(201);
      const scheduled = await waitFor(
        // null until the workflow has planned the touch: wait for the time, not the first answer.
        async () =>
          ((await api('GET', `/v1/leads/${String(waiting.json.id)}`)).json.nextTouchAt as string | null) ?? undefined,
        'the timer to be set',
      );
      run.child.kill('SIGINT');
      expect(await run.exited).toBe(0);
      // Stopped before the touch was due, or this run proves nothing about the timer surviving.
      expect(Date.now(), 'the stack stopped before the touch was due').toBeLessThan(Date.parse(scheduled));
      expect([...seenPids].filter(alive)).toEqual([]);
      expect(await mailTo('timer-survives@example.jp', outbox)).toHaveLength(0);

      run = home.start();
      await ready(run);
      const reread = await api('GET', `/v1/leads/${String(waiting.json.id)}`);
      expect(reread.status).toBe(200);
      expect(reread.json).toMatchObject({ email: 'timer-survives@example.jp', stage: 'nurturing', touches: 0 });
      expect(reread.json.nextTouchAt).toBe(scheduled);
      const survived = await waitFor(
        async () => {
          const received = await mailTo('timer-survives@example.jp', outbox);
          return received.length === 1 && received;
        },
        'the email whose timer was set before the restart',
        60_000,
      );
      expect(survived[0]?.subject).toBe('こんにちは  様'.replace('  ', ' '));
      expect((await readdir(outbox)).filter((f) => f.endsWith('.eml'))).toHaveLength(3);

      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      expect([...seenPids].filter(alive)).toEqual([]);
    },
  );
});
