import { createHmac, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { CRM_SECRET } from './services.ts';

/** Posts a generic CRM event body to `POST /v1/webhooks/crm/generic`, signed with the test secret, as a CRM would. */
export function postGenericCrmEvent(app: FastifyInstance, body: Record<string, unknown>) {
  const raw = JSON.stringify(body);
  return app.inject({
    method: 'POST',
    url: '/v1/webhooks/crm/generic',
    headers: {
      'content-type': 'application/json',
      'x-signature': `sha256=${createHmac('sha256', CRM_SECRET).update(raw).digest('hex')}`,
    },
    payload: raw,
  });
}

/** Sends a generic CRM event (`type`, `data`) with a fresh event id, signed as {@link postGenericCrmEvent} does. */
export function sendGenericCrmEvent(app: FastifyInstance, type: string, data: Record<string, unknown>) {
  return postGenericCrmEvent(app, { id: `crm-${randomUUID()}`, type, occurredAt: new Date().toISOString(), data });
}
