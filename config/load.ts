import { ConfigError, loadConfig, type Config } from './env.ts';

/**
 * Loads the configuration for a process entry point: on a bad value it prints the
 * variable and the problem and exits with status 78 (EX_CONFIG), never a stack trace.
 */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    exitOnConfigError(error);
  }
}

/** Prints a {@link ConfigError} plainly and exits; rethrows anything else. */
export function exitOnConfigError(error: unknown): never {
  if (error instanceof ConfigError) {
    process.stderr.write(`Invalid configuration: ${error.message}\n`);
    process.exit(78);
  }
  throw error;
}
