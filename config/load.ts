import { ConfigError, loadConfig, requireServices, type Config, type ServiceConfig } from './env.ts';
import { temporalConnectionSettings, type TemporalConnectionSettings } from './temporal-connection.ts';

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

/**
 * The configuration of a single production process (`start:api`, `start:worker`): every
 * external service named, Temporal connection settings read; exits on any problem.
 */
export function loadServiceConfigOrExit(): { config: ServiceConfig; temporal: TemporalConnectionSettings } {
  try {
    const config = requireServices(loadConfig(process.env));
    return { config, temporal: temporalConnectionSettings(config, config.temporalAddress) };
  } catch (error) {
    exitOnConfigError(error);
  }
}
