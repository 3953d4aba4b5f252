import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitOnConfigError } from '../config/load.ts';
import { resolveTemporalServer } from './temporal-server-build.ts';

// `npm run temporal:server`: finds or builds the Temporal server and its schema tool as
// `TEMPORAL_LOCAL=cluster npm start` would, and prints the build directory on the last line
// (CI caches it; users can build ahead of time).
const projectDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
try {
  const build = await resolveTemporalServer({
    explicitDir: process.env.TEMPORAL_SERVER_DIR?.trim() || undefined,
    projectDir,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${build.dir}\n`);
} catch (error) {
  exitOnConfigError(error);
}
