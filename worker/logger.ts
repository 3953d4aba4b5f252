import { hostname } from 'node:os';
import { DefaultLogger, type LogEntry, type Logger, type LogLevel } from '@temporalio/worker';

/** pino's numeric levels, so the API's and the worker's lines parse with one pipeline. */
const PINO_LEVELS: Record<LogLevel, number> = { TRACE: 10, DEBUG: 20, INFO: 30, WARN: 40, ERROR: 50 };
const HOST = hostname();

/**
 * One JSON object per line on stdout, in the shape of the API's (pino) lines: `level`,
 * `time`, `pid`, `hostname`, `msg`, and the entry's fields. Activity lines carry the
 * SDK's `workflowId`, `activityType`, `attempt`… and the `leadId` our activities add.
 */
export function jsonLogLine(entry: LogEntry): string {
  const { [Symbol.for('log_timestamp')]: _timestamp, ...meta } = (entry.meta ?? {}) as Record<string | symbol, unknown>;
  const line = {
    level: PINO_LEVELS[entry.level],
    time: Number(entry.timestampNanos / 1_000_000n),
    pid: process.pid,
    hostname: HOST,
    ...meta,
    msg: entry.message,
  };
  return JSON.stringify(line, (_key, value: unknown) => {
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Error) return { type: value.name, message: value.message, stack: value.stack };
    return value;
  });
}

/** The worker's logger at `level`: JSON lines on stdout. */
export function createWorkerLogger(level: LogLevel): DefaultLogger {
  return new DefaultLogger(level, (entry) => {
    process.stdout.write(`${jsonLogLine(entry)}\n`);
  });
}

/**
 * The bundler's logger: webpack's module report and "bundle created" go to debug, so a
 * start-up prints one line of our own instead of a page of modules; problems stay visible.
 */
export function quietBundlerLogger(logger: Logger): Logger {
  return {
    log: (level, message, meta) => {
      logger.log(level === 'INFO' ? 'DEBUG' : level, message, meta);
    },
    trace: (message, meta) => {
      logger.trace(message, meta);
    },
    debug: (message, meta) => {
      logger.debug(message, meta);
    },
    info: (message, meta) => {
      logger.debug(message, meta);
    },
    warn: (message, meta) => {
      logger.warn(message, meta);
    },
    error: (message, meta) => {
      logger.error(message, meta);
    },
  };
}
