import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitOnConfigError } from '../config/load.ts';
import { resolveTemporalCli } from './temporal-cli.ts';

// `npm run temporal:cli`: finds or builds the Temporal CLI exactly as `npm start` would,
// and prints its path on the last line (CI caches it; users can build ahead of time).
const projectDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
try {
  const cli = await resolveTemporalCli({
    explicitPath: process.env.TEMPORAL_CLI_PATH?.trim() || undefined,
    projectDir,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${cli.kind === 'binary' ? cli.path : 'sdk-download'}\n`);
} catch (error) {
  exitOnConfigError(error);
}
