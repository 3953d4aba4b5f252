import { Runtime, makeTelemetryFilterString, DefaultLogger } from '@temporalio/worker';
import { loadServiceConfigOrExit } from '../config/load.ts';
import { migrate } from '../db/migrate.ts';
import { crmConnectionsFromConfig } from '../crm/providers.ts';
import { createPool } from '../db/pool.ts';
import { TemplateCache } from '../mail/render.ts';
import { createMailer, displayNameOf } from '../mail/transport.ts';
import { createWorker } from './create-worker.ts';

// `npm run start:worker`: one worker process against configured services.
const { config, temporal: temporalSettings } = loadServiceConfigOrExit();
if (process.env.SENDER_POSTAL_ADDRESS === undefined) {
  // Japanese law requires the sender's real postal address in every marketing email.
  process.stderr.write('Warning: SENDER_POSTAL_ADDRESS is not set; emails carry a placeholder address.\n');
}

const level = config.logLevel === 'silent' || config.logLevel === 'fatal' ? 'ERROR' : config.logLevel === 'trace' ? 'TRACE' : (config.logLevel.toUpperCase() as 'ERROR' | 'WARN' | 'INFO' | 'DEBUG');
Runtime.install({
  logger: new DefaultLogger(level),
  telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: level === 'TRACE' ? 'TRACE' : 'WARN' }) } },
  shutdownSignals: ['SIGINT', 'SIGTERM'],
});

const pool = createPool(config.databaseUrl, (error) => process.stderr.write(`postgres: ${error.message}\n`));
await migrate(config.databaseUrl);
const mailer = createMailer(config.smtpUrl, config.dkim);
const { worker, connection } = await createWorker(
  { connection: temporalSettings, namespace: config.temporalNamespace, taskQueue: config.temporalTaskQueue },
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
    sender: { name: displayNameOf(config.mailFrom), postalAddress: config.senderPostalAddress, contact: config.senderContact },
    unsubscribeMailto: config.unsubscribeMailto,
    crm: crmConnectionsFromConfig(config),
  },
);
process.stdout.write(`worker polling task queue "${config.temporalTaskQueue}" on ${config.temporalAddress} (pid ${process.pid})\n`);
// Under `npm start` an IPC channel to the supervisor exists; if the supervisor dies, stop too.
process.once('disconnect', () => worker.shutdown());
try {
  // Runtime shuts the worker down gracefully on SIGINT/SIGTERM; run() resolves then.
  await worker.run();
} finally {
  mailer.close();
  await connection.close();
  await pool.end();
}
// The supervisor's IPC channel would keep the event loop alive.
process.exit(0);
