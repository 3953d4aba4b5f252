import { createHmac, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { CRM_SECRET } from './services.ts';

/**
 * Sends a generic CRM event (`type`, `data`) to `POST /v1/webhooks/crm/generic`, signed with
 * the test CRM secret as a CRM would sign it, with a fresh event id.
 */
export function sendGenericCrmEvent(app: FastifyInstance, type: string, data: Record<string, unknown>) {
  const raw = JSON.stringify({ id: `crm-${randomUUID()}`, type, occurredAt: new Date().toISOString(), data });
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
