import { describe, expect, it } from 'vitest';
import { hubspotSignatureV3, signedUri, verifyHubspotSignature } from '../../../crm/hubspot/signature.ts';
import { hubspotEventKey, subjectOf, type HubspotWebhookEvent } from '../../../crm/hubspot/webhook-events.ts';

// The v3 example of HubSpot's own Python client's tests: secret, POST, URI, body and
// timestamp, and the signature HubSpot computes for them.
const VECTOR = {
  clientSecret: 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy',
  method: 'POST',
  uri: 'https://www.example.com/webhook_uri',
  rawBody: Buffer.from("{'example_field':'example_value'}"),
  timestamp: '1693657560000',
  signature: 'K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y=',
};
const at = (offsetMs: number) => Number(VECTOR.timestamp) + offsetMs;

describe('the HubSpot v3 signature', () => {
  it('reproduces the signature HubSpot publishes for its example request', () => {
    expect(hubspotSignatureV3(VECTOR.clientSecret, VECTOR.method, VECTOR.uri, VECTOR.rawBody, VECTOR.timestamp)).toBe(
      VECTOR.signature,
    );
    expect(verifyHubspotSignature({ ...VECTOR, nowMs: at(1000) })).toBe('valid');
  });

  it('refuses a changed body, URI, method, secret or timestamp as forged', () => {
    expect(
      verifyHubspotSignature({ ...VECTOR, rawBody: Buffer.from("{'example_field':'example_valuf'}"), nowMs: at(0) }),
    ).toBe('forged');
    expect(verifyHubspotSignature({ ...VECTOR, uri: 'http://www.example.com/webhook_uri', nowMs: at(0) })).toBe(
      'forged',
    );
    expect(verifyHubspotSignature({ ...VECTOR, uri: `${VECTOR.uri}/`, nowMs: at(0) })).toBe('forged');
    expect(verifyHubspotSignature({ ...VECTOR, method: 'PUT', nowMs: at(0) })).toBe('forged');
    expect(verifyHubspotSignature({ ...VECTOR, clientSecret: 'another-secret', nowMs: at(0) })).toBe('forged');
    expect(verifyHubspotSignature({ ...VECTOR, timestamp: String(at(1)), nowMs: at(0) })).toBe('forged');
    expect(verifyHubspotSignature({ ...VECTOR, signature: 'not base64 at all', nowMs: at(0) })).toBe('forged');
  });

  it('refuses a timestamp more than five minutes old or ahead, or not a number, whatever the signature', () => {
    expect(verifyHubspotSignature({ ...VECTOR, nowMs: at(5 * 60 * 1000) })).toBe('valid');
    expect(verifyHubspotSignature({ ...VECTOR, nowMs: at(5 * 60 * 1000 + 1) })).toBe('stale');
    expect(verifyHubspotSignature({ ...VECTOR, nowMs: at(-5 * 60 * 1000 - 1) })).toBe('stale');
    expect(verifyHubspotSignature({ ...VECTOR, timestamp: 'abc', nowMs: at(0) })).toBe('stale');
  });

  it('says which header is missing rather than comparing anything', () => {
    expect(verifyHubspotSignature({ ...VECTOR, signature: undefined, nowMs: at(0) })).toBe('missing');
    expect(verifyHubspotSignature({ ...VECTOR, timestamp: undefined, nowMs: at(0) })).toBe('missing');
  });

  it('decodes exactly the escapes HubSpot lists before signing the URI', () => {
    expect(signedUri('https://a.example/x?src=hs%3Aapp%2Fv3&x=%28a%29%2a')).toBe(
      'https://a.example/x?src=hs:app/v3&x=(a)*',
    );
    expect(signedUri('https://a.example/x?q=a%20b%26c%3Dd')).toBe('https://a.example/x?q=a%20b%26c%3Dd');
  });
});

describe('HubSpot webhook events', () => {
  const event: HubspotWebhookEvent = {
    eventId: 1,
    portalId: 62515,
    occurredAt: 1790000000000,
    subscriptionType: 'contact.propertyChange',
    attemptNumber: 0,
    objectId: 123,
    propertyName: 'email',
    propertyValue: 'a@example.jp',
  };

  it('are the same event when only eventId or attemptNumber differ, and different when the change differs', () => {
    expect(hubspotEventKey({ ...event, eventId: 2, attemptNumber: 3 })).toBe(hubspotEventKey(event));
    expect(hubspotEventKey({ ...event, propertyValue: 'b@example.jp' })).not.toBe(hubspotEventKey(event));
    expect(hubspotEventKey({ ...event, occurredAt: event.occurredAt + 1 })).not.toBe(hubspotEventKey(event));
    expect(hubspotEventKey({ ...event, objectId: 124 })).not.toBe(hubspotEventKey(event));
  });

  it('name contacts and deals, in the classic and the generic object.* forms, and nothing else', () => {
    expect(subjectOf(event)).toEqual({ object: 'contact', change: 'propertyChange' });
    expect(subjectOf({ ...event, subscriptionType: 'object.creation', objectTypeId: '0-3' })).toEqual({
      object: 'deal',
      change: 'creation',
    });
    expect(subjectOf({ ...event, subscriptionType: 'company.creation' })).toBeUndefined();
    expect(subjectOf({ ...event, subscriptionType: 'contact.merge' })).toBeUndefined();
  });
});
