import type { ZohoApiConfig } from '../../config/env.ts';
import { CrmPermanentError } from '../deal-sync.ts';

/** The REST API version every path goes to. */
export const ZOHO_API_VERSION = 'v8';

// Zoho's access tokens live an hour; one is renewed a minute early so a request never
// leaves with a token about to lapse.
const EXPIRY_MARGIN_MS = 60_000;
const TIMEOUT_MS = 15_000;

/** Zoho's answer to a REST call: the status and the parsed JSON body (undefined when empty). */
export interface ZohoResponse {
  status: number;
  body: unknown;
}

/** The `code` of Zoho's error envelope (`{ code, message, status: "error" }`), or of its first data item. */
export function zohoCodeOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as { code?: unknown; data?: unknown };
  if (typeof record.code === 'string') return record.code;
  const first = Array.isArray(record.data) ? (record.data[0] as { code?: unknown } | undefined) : undefined;
  return typeof first?.code === 'string' ? first.code : undefined;
}

/**
 * Zoho CRM's REST API with an OAuth access token from the refresh-token grant, kept until
 * it expires and renewed once when Zoho calls it invalid (revoked or expired early).
 * Network failures, 429 and 5xx throw plain errors (the calling activity retries);
 * credentials Zoho refuses throw `CrmPermanentError`.
 */
export class ZohoClient {
  private token: { value: string; expiresAtMs: number } | undefined;
  private pending: Promise<string> | undefined;

  constructor(readonly config: ZohoApiConfig) {}

  /** Calls `{ZOHO_API_BASE_URL}/crm/v8{path}` with the access token; answers whatever status Zoho gives but 401. */
  async request(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<ZohoResponse> {
    let response = await this.send(method, path, body, await this.accessToken());
    if (response.status === 401 && zohoCodeOf(response.body) === 'INVALID_TOKEN') {
      this.token = undefined;
      response = await this.send(method, path, body, await this.accessToken());
    }
    if (response.status === 401)
      throw new CrmPermanentError(
        'zoho',
        401,
        `Zoho refused the access token: ${zohoCodeOf(response.body) ?? 'unauthorized'}`,
      );
    if (response.status === 429 || response.status >= 500)
      throw new Error(`Zoho answered ${response.status} to ${method} ${path}`);
    return response;
  }

  private async send(method: string, path: string, body: unknown, accessToken: string): Promise<ZohoResponse> {
    const response = await fetch(`${this.config.apiBaseUrl}/crm/${ZOHO_API_VERSION}${path}`, {
      method,
      headers: {
        authorization: `Zoho-oauthtoken ${accessToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = text;
    }
    return { status: response.status, body: parsed };
  }

  /** A valid access token; concurrent callers share one refresh. */
  private async accessToken(): Promise<string> {
    if (this.token && this.token.expiresAtMs > Date.now()) return this.token.value;
    this.pending ??= this.refresh().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async refresh(): Promise<string> {
    const { accountsUrl, clientId, clientSecret, refreshToken } = this.config;
    const response = await fetch(`${accountsUrl}/oauth/v2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        refresh_token: refreshToken,
        client_id: clientId,
        client_secret: clientSecret,
        grant_type: 'refresh_token',
      }).toString(),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (response.status === 429 || response.status >= 500)
      throw new Error(`Zoho accounts answered ${response.status} to the token refresh`);
    const body = (await response.json().catch(() => ({}))) as {
      access_token?: unknown;
      expires_in?: unknown;
      error?: unknown;
    };
    if (typeof body.access_token !== 'string') {
      // Zoho answers a refused grant with an `error` (often with status 200): invalid_code,
      // invalid_client… are for the operator to fix; "Access Denied" is its rate limit.
      const error = typeof body.error === 'string' ? body.error : `status ${response.status}`;
      if (/access denied/i.test(error)) throw new Error(`Zoho accounts refused the token refresh for now: ${error}`);
      throw new CrmPermanentError(
        'zoho',
        response.status === 200 ? 401 : response.status,
        `Zoho refused the refresh token (check ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET, ZOHO_REFRESH_TOKEN and ZOHO_ACCOUNTS_URL): ${error}`,
      );
    }
    const lifetimeMs = (typeof body.expires_in === 'number' ? body.expires_in : 3600) * 1000;
    this.token = { value: body.access_token, expiresAtMs: Date.now() + Math.max(lifetimeMs - EXPIRY_MARGIN_MS, 0) };
    return body.access_token;
  }
}
