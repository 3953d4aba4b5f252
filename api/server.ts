import { Client, Connection } from '@temporalio/client';
import { loadServiceConfigOrExit } from '../config/load.ts';
import { migrate } from '../db/migrate.ts';
import { createPool } from '../db/pool.ts';
import { collectProcessMetrics } from '../observability/metrics.ts';
import { buildApp } from './app.ts';

// `npm run start:api`: listens, migrates, and shuts down gracefully. Everything else is app.ts.
const { config, temporal: temporalSettings } = loadServiceConfigOrExit();
if (config.adminApiKey === undefined) {
  process.stderr.write('Warning: ADMIN_API_KEY is not set; every authenticated route will answer 401.\n');
}

collectProcessMetrics();
const pool = createPool(config.databaseUrl, (error) => process.stderr.write(`postgres: ${error.message}\n`));
await migrate(config.databaseUrl);
// Lazy: the API starts and answers 503 while Temporal is away, instead of refusing to start.
const connection = Connection.lazy(temporalSettings);
const temporal = new Client({ connection, namespace: config.temporalNamespace });
const app = await buildApp(
  { config, db: pool, temporal: { client: temporal, connection } },
  { logger: { level: config.logLevel } },
);

let closing = false;
const shutdown = (signal: string) => {
  if (closing) return;
  closing = true;
  app.log.info({ signal }, 'shutting down');
  const force = setTimeout(() => process.exit(1), 10_000);
  force.unref();
  app
    .close()
    .then(() => connection.close())
    .then(() => pool.end())
    .then(
      () => process.exit(0),
      () => process.exit(1),
    );
};
process.once('SIGINT', () => shutdown('SIGINT'));
process.once('SIGTERM', () => shutdown('SIGTERM'));
// Under `npm start` an IPC channel to the supervisor exists; if the supervisor dies, stop too.
process.once('disconnect', () => shutdown('supervisor gone'));

await app.listen({ port: config.port, host: config.host });
