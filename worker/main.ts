import type { Server } from 'node:http';
import { Client } from '@temporalio/client';
import { Runtime, makeTelemetryFilterString, type MetricsExporterConfig } from '@temporalio/worker';
import { loadServiceConfigOrExit } from '../config/load.ts';
import { migrate } from '../db/migrate.ts';
import { crmConnectionsFromConfig } from '../crm/providers.ts';
import { ensureMailboxPoll } from '../intake/mailbox-poll-client.ts';
import { ensureSegmentCounts } from '../intake/segment-counts-client.ts';
import { createPool } from '../db/pool.ts';
import { TemplateCache } from '../mail/render.ts';
import { createMailer, displayNameOf } from '../mail/transport.ts';
import { collectProcessMetrics } from '../observability/metrics.ts';
import { freePort } from '../stack/free-port.ts';
import { buildWorkflowBundleInChild } from './build-workflow-bundle.ts';
import { createWorker } from './create-worker.ts';
import { createWorkerLogger } from './logger.ts';
import { startWorkerMetricsServer } from './metrics-server.ts';

// `npm run start:worker`: one worker process against configured services.
const { config, temporal: temporalSettings } = loadServiceConfigOrExit();
if (process.env.SENDER_POSTAL_ADDRESS === undefined) {
  // Japanese law requires the sender's real postal address in every marketing email.
  process.stderr.write('Warning: SENDER_POSTAL_ADDRESS is not set; emails carry a placeholder address.\n');
}

const level =
  config.logLevel === 'silent' || config.logLevel === 'fatal'
    ? 'ERROR'
    : config.logLevel === 'trace'
      ? 'TRACE'
      : (config.logLevel.toUpperCase() as 'ERROR' | 'WARN' | 'INFO' | 'DEBUG');
const logger = createWorkerLogger(level);
// The SDK serves its runtime metrics itself; with WORKER_METRICS_PORT it listens on a
// loopback port of its own and our /metrics merges it in (see worker/metrics-server.ts).
const sdkMetricsPort = config.workerMetricsPort === undefined ? undefined : await freePort();
const metrics: MetricsExporterConfig | undefined =
  sdkMetricsPort === undefined
    ? undefined
    : // Seconds, `_seconds` and `_total`: the Prometheus conventions our own metrics follow.
      {
        prometheus: {
          bindAddress: `127.0.0.1:${sdkMetricsPort}`,
          countersTotalSuffix: true,
          unitSuffix: true,
          useSecondsForDurations: true,
        },
      };
Runtime.install({
  logger,
  telemetryOptions: {
    logging: { filter: makeTelemetryFilterString({ core: level === 'TRACE' ? 'TRACE' : 'WARN' }) },
    ...(metrics ? { metrics } : {}),
  },
  shutdownSignals: ['SIGINT', 'SIGTERM'],
});
collectProcessMetrics();

// Bundled in a child process rather than by Worker.create: webpack's memory leaves with the
// child instead of staying in this one's resident set, and the console gets one line.
const bundleStarted = Date.now();
const workflowBundle = await buildWorkflowBundleInChild();
process.stdout.write(
  `workflow bundle built (${(workflowBundle.code.length / 1024 / 1024).toFixed(1)} MB in ${((Date.now() - bundleStarted) / 1000).toFixed(1)} s)\n`,
);

const pool = createPool(config.databaseUrl, (error) => process.stderr.write(`postgres: ${error.message}\n`));
await migrate(config.databaseUrl);
const mailer = createMailer(config.smtpUrl, config.dkim);
const { worker, connection } = await createWorker(
  {
    connection: temporalSettings,
    namespace: config.temporalNamespace,
    taskQueue: config.temporalTaskQueue,
    workflowBundle,
    tuning: { maxCachedWorkflows: config.workerMaxCachedWorkflows },
  },
  {
    db: pool,
    mailer,
    templates: new TemplateCache(),
    mailFrom: config.mailFrom,
    salesReps: config.salesReps,
    salesManagerEmail: config.salesManagerEmail,
    salesWebhookUrl: config.salesWebhookUrl,
    publicBaseUrl: config.publicBaseUrl,
    appSecret: config.appSecret,
    sender: {
      name: displayNameOf(config.mailFrom),
      postalAddress: config.senderPostalAddress,
      contact: config.senderContact,
    },
    unsubscribeMailto: config.unsubscribeMailto,
    crm: crmConnectionsFromConfig(config),
    imap: config.imap,
    replyAddress: config.replyAddress,
    consentRequired: config.consentRequired,
    consentDefaults: config.consentDefaults,
  },
);
if (config.imap !== undefined) {
  const client = new Client({ connection, namespace: config.temporalNamespace });
  const started = await ensureMailboxPoll(client, config.temporalTaskQueue, config.imap.pollSeconds);
  process.stdout.write(
    `replies: reading IMAP ${config.imap.host}/${config.imap.mailbox} every ${config.imap.pollSeconds} s${started ? ' (poller started)' : ''}\n`,
  );
}
// The daily segment count runs once per task queue; a worker that cannot start it now still serves.
await ensureSegmentCounts(
  new Client({ connection, namespace: config.temporalNamespace }),
  config.temporalTaskQueue,
).catch((error: unknown) => {
  process.stderr.write(
    `segments: the daily count could not be started (${(error as Error).message}); the next worker start retries\n`,
  );
});
// Listening only once the worker exists: `up` of this target then means a worker that polls.
let metricsServer: Server | undefined;
if (config.workerMetricsPort !== undefined && sdkMetricsPort !== undefined) {
  metricsServer = await startWorkerMetricsServer({
    host: config.host,
    port: config.workerMetricsPort,
    sdkMetricsUrl: `http://127.0.0.1:${sdkMetricsPort}/metrics`,
    token: config.metricsToken,
  });
  process.stdout.write(`worker metrics on http://${config.host}:${config.workerMetricsPort}/metrics\n`);
}
process.stdout.write(
  `worker polling task queue "${config.temporalTaskQueue}" on ${config.temporalAddress} (pid ${process.pid})\n`,
);
// Under `npm start` an IPC channel to the supervisor exists; if the supervisor dies, stop too.
process.once('disconnect', () => worker.shutdown());
try {
  // Runtime shuts the worker down gracefully on SIGINT/SIGTERM; run() resolves then.
  await worker.run();
} finally {
  metricsServer?.close();
  mailer.close();
  await connection.close();
  await pool.end();
}
// The supervisor's IPC channel would keep the event loop alive.
process.exit(0);
