import { createHmac } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

/** A multipart/form-data body as a browser or a provider sends it: bytes and content type. */
export async function multipart(
  fields: Record<string, string | Buffer>,
): Promise<{ body: Buffer; contentType: string }> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields))
    form.append(
      name,
      typeof value === 'string' ? value : new Blob([value]),
      ...(typeof value === 'string' ? [] : ['message.eml']),
    );
  const response = new Response(form);
  return { body: Buffer.from(await response.arrayBuffer()), contentType: response.headers.get('content-type')! };
}

/**
 * Posts a message to `POST /v1/webhooks/inbound/mailgun` as a Mailgun route forwards it:
 * the message's form fields, signed with `signingKey` (HMAC-SHA256 of timestamp and token).
 */
export async function postMailgunInbound(
  app: FastifyInstance,
  signingKey: string,
  fields: Record<string, string | Buffer>,
) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const token = `tok-${Math.random().toString(36).slice(2)}`;
  const signature = createHmac('sha256', signingKey)
    .update(timestamp + token)
    .digest('hex');
  const { body, contentType } = await multipart({ ...fields, timestamp, token, signature });
  return app.inject({
    method: 'POST',
    url: '/v1/webhooks/inbound/mailgun',
    headers: { 'content-type': contentType },
    payload: body,
  });
}
