import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The OAuth client the fake accepts a refresh-token grant from. */
export const ZOHO_TEST_CLIENT = {
  id: '1000.TESTCLIENTID',
  secret: 'test-client-secret',
  refresh: '1000.test-refresh-token',
};

/** A CRM request the fake received. */
export interface Call {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

/**
 * An imitation of Zoho: accounts (`/oauth/v2/token`) and CRM (`/crm/v8/...`) on one port,
 * refusing any request not shaped as Zoho documents it (listed in `violations`).
 */
export class FakeZoho {
  readonly records = new Map<string, Record<string, unknown>>();
  readonly deals = new Map<string, Record<string, unknown>>();
  readonly calls: Call[] = [];
  readonly violations: string[] = [];
  readonly grants: Record<string, string>[] = [];
  /** Answers queued for the next matching requests (`POST /crm/v8/Deals` → status and body). */
  readonly faults: { match: string; status: number; body: unknown }[] = [];
  private readonly valid = new Set<string>();
  private issued = 0;
  private dealSeq = 0;
  private serverTime = 1764000000000;
  url = '';
  private server = createServer((request, response) => {
    void this.handle(request, response);
  });

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Revokes every access token issued so far, as Zoho does when one is revoked or expires early. */
  revokeTokens(): void {
    this.valid.clear();
  }

  /**
   * A Notification API callback as Zoho posts it to the notify URL of channel `channel`
   * with its `token`: each one a later `server_time` than the last.
   */
  notification(
    channel: { id: string; token: string },
    module: string,
    operation: string,
    ids: string[],
    overrides: Record<string, unknown> = {},
  ): Record<string, unknown> {
    return {
      server_time: this.serverTime++,
      query_params: {},
      module,
      resource_uri: `${this.url}/crm/v8/${module}`,
      ids,
      operation,
      channel_id: channel.id,
      token: channel.token,
      ...overrides,
    };
  }

  callsTo(method: string, prefix: string): Call[] {
    return this.calls.filter((c) => c.method === method && c.path.startsWith(prefix));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of request) raw += (chunk as Buffer).toString();
    const url = new URL(request.url ?? '/', this.url);
    const send = (status: number, body?: unknown) => {
      response
        .writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' })
        .end(body === undefined ? undefined : JSON.stringify(body));
    };
    const refuse = (problem: string) => {
      this.violations.push(`${request.method} ${url.pathname}: ${problem}`);
      send(400, { code: 'INVALID_REQUEST', message: problem, status: 'error' });
    };

    if (url.pathname === '/oauth/v2/token') {
      if (request.method !== 'POST' || request.headers['content-type'] !== 'application/x-www-form-urlencoded')
        return refuse('the token grant is a form POST');
      const form = Object.fromEntries(new URLSearchParams(raw));
      this.grants.push(form);
      if (
        form.grant_type !== 'refresh_token' ||
        form.refresh_token !== ZOHO_TEST_CLIENT.refresh ||
        form.client_id !== ZOHO_TEST_CLIENT.id ||
        form.client_secret !== ZOHO_TEST_CLIENT.secret
      ) {
        return send(200, { error: 'invalid_client' });
      }
      const token = `1000.access-${++this.issued}`;
      this.valid.add(token);
      return send(200, { access_token: token, api_domain: this.url, token_type: 'Bearer', expires_in: 3600 });
    }

    const body = raw === '' ? undefined : (JSON.parse(raw) as unknown);
    const path = `${url.pathname}${url.search}`;
    this.calls.push({ method: request.method ?? '', path, authorization: request.headers.authorization, body });
    if (!url.pathname.startsWith('/crm/v8/')) return refuse('not a CRM v8 path');
    const token = /^Zoho-oauthtoken (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (token === undefined) return refuse('no Authorization: Zoho-oauthtoken header');
    if (!this.valid.has(token))
      return send(401, { code: 'INVALID_TOKEN', details: {}, message: 'invalid oauth token', status: 'error' });
    const fault = this.faults.findIndex((f) => `${request.method} ${url.pathname}`.startsWith(f.match));
    if (fault >= 0) {
      const [answer] = this.faults.splice(fault, 1);
      return send(answer!.status, answer!.body);
    }

    const [, , , module, id] = url.pathname.split('/');
    if (request.method === 'GET' && module === 'users') {
      if (url.searchParams.get('type') !== 'ActiveUsers') return refuse('users are listed by type');
      return send(200, {
        users: [{ id: '4150868000000225001', email: 'rep@example.com', full_name: 'Rep' }],
        info: { per_page: 200, count: 1, page: 1, more_records: false },
      });
    }
    if (request.method === 'GET' && module && id) {
      const record = this.records.get(`${module}/${id}`);
      return record ? send(200, { data: [{ id, ...record }] }) : send(204);
    }
    if (module === 'Deals' && (request.method === 'POST' || request.method === 'PUT')) {
      const items = (body as { data?: unknown } | undefined)?.data;
      const deal = Array.isArray(items) && items.length === 1 ? (items[0] as Record<string, unknown>) : undefined;
      if (!deal) return refuse('the body is { "data": [ one record ] }');
      for (const field of ['Deal_Name', 'Stage', 'Closing_Date', 'Description'])
        if (typeof deal[field] !== 'string') return refuse(`${field} is missing`);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(deal.Closing_Date as string)) return refuse('Closing_Date is YYYY-MM-DD');
      if (request.method === 'PUT') {
        if (!id || !this.deals.has(id))
          return send(400, {
            data: [
              {
                code: 'INVALID_DATA',
                details: { api_name: 'id' },
                message: 'the id given seems to be invalid',
                status: 'error',
              },
            ],
          });
        this.deals.set(id, { ...this.deals.get(id), ...deal });
        return send(200, {
          data: [
            {
              code: 'SUCCESS',
              details: { id, Modified_Time: new Date().toISOString() },
              message: 'record updated',
              status: 'success',
            },
          ],
        });
      }
      if (id) return refuse('a deal is created at /crm/v8/Deals');
      const newId = `4150868000001${String(++this.dealSeq).padStart(6, '0')}`;
      this.deals.set(newId, deal);
      return send(201, {
        data: [
          {
            code: 'SUCCESS',
            details: { id: newId, Modified_Time: new Date().toISOString() },
            message: 'record added',
            status: 'success',
          },
        ],
      });
    }
    refuse('no such endpoint');
  }
}
