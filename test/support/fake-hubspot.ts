import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the fake received, as HubSpot would have seen it. */
export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

type Properties = Record<string, string | null>;

/**
 * A local imitation of HubSpot's CRM REST API (v3 objects, search, owners) that checks
 * the documented request shapes: any request it does not recognise, a missing or wrong
 * Bearer token, or a body without the documented fields is answered 400/401 and listed
 * in `violations`, so a test fails on it.
 */
export async function startFakeHubspot(token: string) {
  const contacts = new Map<string, Properties>();
  const deals = new Map<string, { properties: Properties; contactIds: string[] }>();
  const owners = new Map<string, { email: string }>();
  const requests: SeenRequest[] = [];
  const violations: string[] = [];
  /** Statuses to answer, in order, before the next requests whose path starts with the key. */
  const failures = new Map<string, number[]>();
  let nextId = 9000;

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const refuse = (res: ServerResponse, why: string) => {
    violations.push(why);
    send(res, 400, { status: 'error', message: why, category: 'VALIDATION_ERROR' });
  };
  const readJson = async (req: IncomingMessage): Promise<unknown> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  };
  const isRecord = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const body = await readJson(req);
      const method = req.method ?? 'GET';
      requests.push({ method, path: url.pathname, query: url.searchParams, body });
      if (req.headers.authorization !== `Bearer ${token}`) {
        violations.push(`${method} ${url.pathname} without the Bearer token`);
        return send(res, 401, {
          status: 'error',
          message: 'Authentication credentials not found',
          category: 'INVALID_AUTHENTICATION',
        });
      }
      for (const [prefix, statuses] of failures) {
        if (url.pathname.startsWith(prefix) && statuses.length > 0) {
          const status = statuses.shift() as number;
          return send(res, status, {
            status: 'error',
            message: status === 429 ? 'You have reached your secondly limit.' : 'failure',
            category: status === 429 ? 'RATE_LIMITS' : 'ERROR',
          });
        }
      }
      let match: RegExpExecArray | null;
      if (method === 'GET' && (match = /^\/crm\/v3\/objects\/contacts\/(\d+)$/.exec(url.pathname))) {
        const properties = url.searchParams.get('properties')?.split(',') ?? [];
        if (!properties.includes('email')) return refuse(res, 'a contact read without properties=email');
        const contact = contacts.get(match[1]!);
        if (!contact)
          return send(res, 404, { status: 'error', message: 'Object not found.', category: 'OBJECT_NOT_FOUND' });
        return send(res, 200, {
          id: match[1],
          properties: Object.fromEntries(properties.map((p) => [p, contact[p] ?? null])),
          archived: false,
        });
      }
      if (method === 'GET' && (match = /^\/crm\/v3\/objects\/deals\/(\d+)$/.exec(url.pathname))) {
        const deal = deals.get(match[1]!);
        if (!deal)
          return send(res, 404, { status: 'error', message: 'Object not found.', category: 'OBJECT_NOT_FOUND' });
        const properties = url.searchParams.get('properties')?.split(',');
        const withContacts = url.searchParams.get('associations') === 'contacts';
        return send(res, 200, {
          id: match[1],
          properties: properties
            ? Object.fromEntries(properties.map((p) => [p, deal.properties[p] ?? null]))
            : deal.properties,
          ...(withContacts
            ? {
                associations: { contacts: { results: deal.contactIds.map((id) => ({ id, type: 'deal_to_contact' })) } },
              }
            : {}),
        });
      }
      if (method === 'GET' && (match = /^\/crm\/v3\/owners\/(\d+)$/.exec(url.pathname))) {
        const owner = owners.get(match[1]!);
        return owner
          ? send(res, 200, { id: match[1], email: owner.email, firstName: 'Rep', lastName: 'One', userId: 1 })
          : send(res, 404, { status: 'error', message: 'Owner not found' });
      }
      if (method === 'GET' && url.pathname === '/crm/v3/owners') {
        const email = url.searchParams.get('email');
        return send(res, 200, {
          results: [...owners].filter(([, o]) => o.email === email).map(([id, o]) => ({ id, email: o.email })),
        });
      }
      if (method === 'POST' && url.pathname === '/crm/v3/objects/contacts/search') {
        const filter =
          isRecord(body) &&
          Array.isArray(body.filterGroups) &&
          isRecord(body.filterGroups[0]) &&
          Array.isArray(body.filterGroups[0].filters)
            ? (body.filterGroups[0].filters[0] as unknown)
            : undefined;
        if (
          !isRecord(filter) ||
          filter.propertyName !== 'email' ||
          filter.operator !== 'EQ' ||
          typeof filter.value !== 'string'
        )
          return refuse(
            res,
            'a contact search without filterGroups[0].filters[0] = { propertyName: email, operator: EQ, value }',
          );
        const found = [...contacts].filter(
          ([, c]) => c.email?.toLowerCase() === (filter.value as string).toLowerCase(),
        );
        return send(res, 200, {
          total: found.length,
          results: found.map(([id, c]) => ({ id, properties: { email: c.email } })),
        });
      }
      if (method === 'POST' && url.pathname === '/crm/v3/objects/contacts') {
        if (!isRecord(body) || !isRecord(body.properties) || typeof body.properties.email !== 'string')
          return refuse(res, 'a contact created without properties.email');
        const id = String(nextId++);
        contacts.set(id, body.properties as Properties);
        return send(res, 201, { id, properties: body.properties });
      }
      if (method === 'POST' && url.pathname === '/crm/v3/objects/deals') {
        if (!isRecord(body) || !isRecord(body.properties)) return refuse(res, 'a deal created without properties');
        const p = body.properties;
        if (typeof p.dealname !== 'string' || typeof p.pipeline !== 'string' || typeof p.dealstage !== 'string')
          return refuse(res, 'a deal created without dealname, pipeline and dealstage');
        const association = Array.isArray(body.associations) ? (body.associations[0] as unknown) : undefined;
        const type =
          isRecord(association) && Array.isArray(association.types) ? (association.types[0] as unknown) : undefined;
        if (
          !isRecord(association) ||
          !isRecord(association.to) ||
          typeof association.to.id !== 'string' ||
          !isRecord(type) ||
          type.associationCategory !== 'HUBSPOT_DEFINED' ||
          type.associationTypeId !== 3
        ) {
          return refuse(res, 'a deal created without its deal-to-contact association (HUBSPOT_DEFINED, 3)');
        }
        if (!contacts.has(association.to.id))
          return refuse(res, `a deal associated with contact ${association.to.id}, which does not exist`);
        const id = String(nextId++);
        deals.set(id, { properties: p as Properties, contactIds: [association.to.id] });
        return send(res, 201, { id, properties: p });
      }
      if (method === 'PATCH' && (match = /^\/crm\/v3\/objects\/deals\/(\d+)$/.exec(url.pathname))) {
        const deal = deals.get(match[1]!);
        if (!deal)
          return send(res, 404, { status: 'error', message: 'Object not found.', category: 'OBJECT_NOT_FOUND' });
        if (!isRecord(body) || !isRecord(body.properties)) return refuse(res, 'a deal update without properties');
        Object.assign(deal.properties, body.properties);
        return send(res, 200, { id: match[1], properties: deal.properties });
      }
      return refuse(res, `no such HubSpot endpoint: ${method} ${url.pathname}`);
    })().catch((error: unknown) => {
      violations.push(String(error));
      send(res, 500, { message: 'fake failed' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    contacts,
    deals,
    owners,
    requests,
    violations,
    /** Answers the next requests under `pathPrefix` with these statuses first. */
    failNext: (pathPrefix: string, ...statuses: number[]) => failures.set(pathPrefix, statuses),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
