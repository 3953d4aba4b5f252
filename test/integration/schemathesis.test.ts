import { execFile, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, stack, startTestServices } from '../support/services.ts';

// Schemathesis (PyPI) reads /openapi.json of the running API and sends what the document
// allows, and what it forbids, to every operation, checking each answer against the
// document. Pinned: the same version as `.ci/run` installs.
const SCHEMATHESIS = 'schemathesis==4.32.5';
// A fixed seed makes a failing run repeatable; SCHEMATHESIS_SEED=<n> tries another.
const SEED = process.env.SCHEMATHESIS_SEED ?? '20261201';
// Examples per operation and phase: small enough for the whole run to stay near two
// minutes on a loaded 2-core machine; SCHEMATHESIS_EXAMPLES raises it locally.
const EXAMPLES = process.env.SCHEMATHESIS_EXAMPLES ?? '8';
// How long the run may take: about 110 s on a quiet 2-core machine, but its coverage phase
// alone took 506–523 s at load 20 (three CI runs side by side), and the 540 s limit it had
// then killed runs that had found nothing. A run that is stopped is reported as such.
const RUN_LIMIT_MS = 1_500_000;
// The test's own limit: the run's, and a minute for the API around it.
const TEST_MS = RUN_LIMIT_MS + 60_000;
// What the generator must know and the checks that do not apply, each with its reason.
const CONFIG = path.join(import.meta.dirname, 'schemathesis.toml');

/** The `st` command, installed with pip if it is missing; undefined when it cannot be had. */
function schemathesisCli(): string | undefined {
  const found = () => spawnSync('st', ['--version'], { encoding: 'utf8' }).status === 0;
  if (found()) return 'st';
  const pip = spawnSync('python3', ['-m', 'pip', 'install', '--quiet', SCHEMATHESIS], {
    encoding: 'utf8',
    stdio: 'inherit',
  });
  return pip.status === 0 && found() ? 'st' : undefined;
}

const cli = schemathesisCli();
if (cli === undefined)
  console.warn(`schemathesis test skipped: the st command is missing and "pip install ${SCHEMATHESIS}" failed`);

describe.skipIf(cli === undefined)('the API as a schema fuzzer sees it', () => {
  let app: FastifyInstance;
  let origin: string;
  let outboxDir: string;
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    outboxDir = await mkdtemp(path.join(tmpdir(), 'lle-schemathesis-'));
    stops.push(() => rm(outboxDir, { recursive: true, force: true }));
    // Every webhook configured, so each is fuzzed past "not configured" up to its signature check.
    const sendgrid = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
      .publicKey.export({ format: 'der', type: 'spki' })
      .toString('base64');
    const services = await startTestServices({
      config: {
        outboxDir,
        smtpUrl: stack().smtpUrl,
        zohoWebhookToken: 'schemathesis-zoho-token',
        hubspotClientSecret: 'schemathesis-hubspot-secret',
        mailgunWebhookSigningKey: 'schemathesis-mailgun-key',
        sendgridWebhookPublicKey: sendgrid,
      },
    });
    stops.unshift(services.stop);
    app = services.app;
    origin = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    for (const stop of stops) await stop();
  });

  it('finds no difference between the OpenAPI document and what the API answers', { timeout: TEST_MS }, async () => {
    const args = [
      '--config-file',
      CONFIG,
      'run',
      `${origin}/openapi.json`,
      '--seed',
      SEED,
      '--max-examples',
      EXAMPLES,
      '--header',
      `Authorization: Bearer ${ADMIN_KEY}`,
      // One worker: with two, the CLI's threads call ast.parse at once, and CPython before
      // 3.11.8 / 3.12.2 shares ast's recursion counter between threads (CPython gh-106905),
      // so a run could end in "SystemError: AST constructor recursion depth mismatch", a
      // crash of the tool counted as an error, as it did in CI once.
      '--workers',
      '1',
      '--request-timeout',
      '30',
      '--no-color',
      '--generation-database',
      'none',
    ];
    const { code, killed, output } = await new Promise<{ code: number; killed: boolean; output: string }>((resolve) => {
      // Run in a scratch directory: the CLI keeps its replay data in ./.schemathesis.
      execFile(
        cli as string,
        args,
        { cwd: outboxDir, maxBuffer: 64 * 1024 * 1024, timeout: RUN_LIMIT_MS },
        (error, stdout, stderr) => {
          resolve({
            code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1,
            killed: error?.killed === true,
            output: `${stdout}\n${stderr}`,
          });
        },
      );
    });
    // The whole report goes to a file; the failure message carries its end (the summary).
    const report = path.join(tmpdir(), `schemathesis-${SEED}.log`);
    await writeFile(report, output);
    // A run stopped at the limit found nothing: say that, not "exit 1".
    const stopped = `schemathesis did not finish within ${RUN_LIMIT_MS / 1000} s and was stopped, with no finding`;
    expect(killed, `${stopped} (the report so far: ${report})`).toBe(false);
    expect(code, `${output.slice(-15_000)}\n(the whole report: ${report})`).toBe(0);
  });
});
