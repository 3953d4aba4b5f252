import { dependencyDown, type HttpError } from './http-errors.ts';

const PG_CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
]);
// gRPC UNAVAILABLE and DEADLINE_EXCEEDED: the Temporal frontend is down or not answering.
const GRPC_DOWN_CODES = new Set([14, 4]);

/**
 * Recognises a failure to reach PostgreSQL or Temporal, anywhere in an error's cause
 * chain, so a handler's unexpected error becomes a 503 the client can retry, not a 500.
 */
export function asDependencyError(error: unknown): HttpError | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    const message = e instanceof Error ? e.message : '';
    if (typeof code === 'number' && GRPC_DOWN_CODES.has(code)) return dependencyDown('temporal');
    // Only transport failures: a ServiceError for, say, an unknown namespace is a
    // configuration problem and must not pass for a passing outage.
    if (
      /Failed to connect|connection error|UNAVAILABLE|DEADLINE_EXCEEDED/i.test(message) &&
      /temporal|grpc|tcp connect|deadline/i.test(message)
    ) {
      return dependencyDown('temporal');
    }
    if (typeof code === 'string' && PG_CONNECTION_CODES.has(code)) return dependencyDown('database');
    if (/Connection terminated|timeout exceeded when trying to connect/i.test(message))
      return dependencyDown('database');
  }
  return undefined;
}
