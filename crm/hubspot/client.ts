import { CrmPermanentError } from '../deal-sync.ts';

/** How the engine reaches a HubSpot account's CRM REST API (a private app's access token). */
export interface HubspotApiSettings {
  accessToken: string;
  /** Without a trailing slash; tests point it at a local imitation of HubSpot. */
  apiBaseUrl: string;
}

// A HubSpot call that hangs holds an activity slot; failing it lets Temporal retry it.
const TIMEOUT_MS = 15_000;

/**
 * One JSON call to HubSpot's REST API. Network failures, 409 (a concurrent create) 429 and
 * 5xx throw plain errors, which Temporal retries; any other 4xx throws a
 * {@link CrmPermanentError} carrying the status (404 included, for callers to tell a
 * deleted record from a broken request).
 */
export async function hubspotRequest<T>(
  settings: HubspotApiSettings,
  method: 'GET' | 'POST' | 'PATCH',
  path: string,
  body?: unknown,
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${settings.apiBaseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${settings.accessToken}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    throw new Error(`HubSpot ${method} ${path} failed: ${(error as Error).message}`, { cause: error });
  }
  const text = await response.text();
  if (response.ok) return (text === '' ? undefined : JSON.parse(text)) as T;
  // HubSpot's error bodies are JSON with a `message`; a proxy's may be anything.
  const message = `HubSpot ${method} ${path} answered ${response.status}: ${messageOf(text)}`;
  if (response.status === 429 || response.status === 409 || response.status >= 500) throw new Error(message);
  throw new CrmPermanentError('hubspot', response.status, message);
}

function messageOf(text: string): string {
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON: the text itself, shortened
  }
  return text.slice(0, 200);
}

/** Whether an error is HubSpot saying the record does not exist (deleted or merged away). */
export const isNotFound = (error: unknown): boolean => error instanceof CrmPermanentError && error.status === 404;
