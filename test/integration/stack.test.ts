import { mkdtemp, readFile, readdir, rm, chmod, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../stack/free-port.ts';
import { dataDirMode } from '../../stack/local-secrets.ts';
import { alive, startStack, type RunningStack } from '../support/npm-start.ts';
import { mailTo, stack, waitFor } from '../support/services.ts';

// `npm start` as a user runs it: the supervisor with embedded PostgreSQL, the Temporal dev
// server, the capture SMTP server, the API and the worker, driven over real HTTP.

const pidsIn = (lines: string[], name: string): number[] =>
  lines.flatMap((line) => {
    const match = new RegExp(`${name}[^(]*\\((?:dev server )?pid (\\d+)\\)`).exec(line);
    return match?.[1] ? [Number(match[1])] : [];
  });

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
      const dataDir = await mkdtemp(path.join(tmpdir(), 'lle-stack-'));
      // Loose modes, as a data directory copied in or made by hand may have: npm start tightens them.
      await chmod(dataDir, 0o755);
      await writeFile(path.join(dataDir, 'secrets.json'), '{}\n', { mode: 0o644 });
      await chmod(path.join(dataDir, 'secrets.json'), 0o644);
      const port = await freePort();
      const env = {
        DATA_DIR: dataDir,
        PORT: String(port),
        TEMPORAL_DEV_PORT: String(await freePort()),
        POSTGRES_DEV_PORT: String(await freePort()),
        SMTP_DEV_PORT: String(await freePort()),
        TEMPORAL_CLI_PATH: stack().temporalCliPath ?? '',
        LOG_LEVEL: 'warn',
      };
      const outbox = path.join(dataDir, 'outbox');
      const seenPids = new Set<number>();
      let run = startStack(env);
      cleanups.push(async () => {
        if (run.child.exitCode === null) {
          run.child.kill('SIGTERM');
          await run.exited;
        }
        await rm(dataDir, { recursive: true, force: true });
      });
      const ready = async (r: RunningStack) => {
        await waitFor(
          async () =>
            r.lines.some((l) => l.includes('Press Ctrl-C')) ||
            (r.child.exitCode !== null ? Promise.reject(new Error(r.lines.join('\n'))) : false),
          'npm start to be up',
          180_000,
        );
        for (const name of ['api', 'worker', 'PostgreSQL', 'Temporal'])
          for (const pid of pidsIn(r.lines, name)) seenPids.add(pid);
      };
      await ready(run);

      const secrets = JSON.parse(await readFile(path.join(dataDir, 'secrets.json'), 'utf8')) as { adminApiKey: string };
      expect((await stat(path.join(dataDir, 'secrets.json'))).mode & 0o777).toBe(0o600);
      expect((await stat(dataDir)).mode & 0o777).toBe(dataDirMode());
      expect(run.lines.join('\n')).toContain(secrets.adminApiKey);
      const api = async (method: string, url: string, body?: unknown) => {
        const res = await fetch(`http://127.0.0.1:${port}${url}`, {
          method,
          headers: {
            authorization: `Bearer ${secrets.adminApiKey}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? null : JSON.stringify(body),
        });
        return { status: res.status, json: (await res.json()) as Record<string, unknown> };
      };
      await waitFor(
        async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200,
        'readyz',
        60_000,
      );

      expect(
        (
          await api('PUT', '/v1/templates/hello', {
            subject: 'こんにちは {{lead.name}} 様',
            mjml: '<mjml><mj-body><mj-section><mj-column><mj-text>{{lead.name}} 様</mj-text></mj-column></mj-section></mj-body></mjml>',
          })
        ).status,
      ).toBe(201);
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
      const [workerPid] = pidsIn(run.lines, 'worker started');
      expect(workerPid).toBeDefined();
      process.kill(workerPid as number, 'SIGKILL');
      await waitFor(async () => pidsIn(run.lines, 'worker started').length === 2, 'the worker to be restarted', 30_000);
      for (const pid of pidsIn(run.lines, 'worker')) seenPids.add(pid);

      const mails = await waitFor(
        async () => {
          const received = await mailTo('kill-test@example.jp', outbox);
          return received.length >= 2 && received;
        },
        'the second email after the restart',
        60_000,
      );
      await new Promise((resolve) => setTimeout(resolve, 2000));
      expect(await mailTo('kill-test@example.jp', outbox)).toHaveLength(2);
      expect(new Set(mails.map((m) => m.messageId)).size).toBe(2);
      expect(mails[0]?.subject).toBe('こんにちは 鈴木 様');

      // A lead whose touch is still waiting on its timer when everything stops.
      await api('PUT', '/v1/cadences/later', {
        name: 'Later',
        nurture: { steps: [{ after: 'PT15S', channel: 'email', template: 'hello' }] },
      });
      const waiting = await api('POST', '/v1/leads', { email: 'timer-survives@example.jp', cadence: 'later' });
      expect(waiting.status).toBe(201);
      const scheduled = await waitFor(
        async () => (await api('GET', `/v1/leads/${String(waiting.json.id)}`)).json.nextTouchAt as string | null,
        'the timer to be set',
      );
      run.child.kill('SIGINT');
      expect(await run.exited).toBe(0);
      expect([...seenPids].filter(alive)).toEqual([]);
      expect(await mailTo('timer-survives@example.jp', outbox)).toHaveLength(0);

      run = startStack(env);
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
