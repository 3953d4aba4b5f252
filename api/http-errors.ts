/** The error body every failure answers with (DESIGN section 4). */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** An error that is the client's to fix, or a dependency's to recover; carries its HTTP answer. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** 404: also the answer for ids that are malformed, so ids cannot be probed. */
export const notFound = (what: string): HttpError => new HttpError(404, 'not_found', `${what} not found`);

/** 422: the JSON is well-formed but means something invalid; `details` names each field. */
export const unprocessable = (message: string, details?: unknown): HttpError =>
  new HttpError(422, 'invalid', message, details);

/** 503 with Retry-After: PostgreSQL or Temporal is unreachable; the same request may be retried. */
export const dependencyDown = (dependency: 'database' | 'temporal'): HttpError =>
  new HttpError(
    503,
    `${dependency}_unavailable`,
    `the ${dependency === 'database' ? 'database' : 'workflow service'} is unreachable; retry later`,
    undefined,
    { 'retry-after': '5' },
  );
