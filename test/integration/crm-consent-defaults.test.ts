import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/env.ts';
import { hubspotEventKey, hubspotWorkflowId } from '../../crm/hubspot/webhook-events.ts';
import { crmConnectionsFromConfig } from '../../crm/providers.ts';
import { startFakeHubspot } from '../support/fake-hubspot.ts';
import { FakeZoho, ZOHO_TEST_CLIENT } from '../support/fake-zoho.ts';
import { postGenericCrmEvent, sendGenericCrmEvent } from '../support/generic-crm.ts';
import { hubspotTestEvent, postHubspotBatch } from '../support/hubspot-webhook.ts';
import { auth, PUBLIC_BASE_URL, startTestApp, startTestServices } from '../support/services.ts';

// CONSENT_DEFAULTS through every CRM path that creates leads: the generic webhook, Zoho's
// workflow-rule webhook and Notification API fetch, and HubSpot's fetch. A lead the CRM
// writes gets the configured basis when it has none; a basis given or recorded is kept.
const ZOHO_TOKEN = 'zoho-shared-token-0123456789';
const NOTIFY_TOKEN = 'zoho-notify-token-0123456789';
const CHANNEL = '1000000068001';
const HUBSPOT_SECRET = 'hubspot-client-secret-0123456789';
const HUBSPOT_TOKEN = 'pat-na1-test-token-0123456789';

type ConsentRecord = { basis: string; source: string; at: string; evidence?: string };

const OPT_IN: ConsentRecord = {
  basis: 'opt_in',
  source: '資料請求フォーム',
  at: '2026-10-01T10:00:00+09:00',
  evidence: 'form-0001',
};

describe('consent defaults of the CRM mappings', () => {
  let services: Awaited<ReturnType<typeof startTestServices>>;
  let hubspot: Awaited<ReturnType<typeof startFakeHubspot>>;
  const zoho = new FakeZoho();
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    hubspot = await startFakeHubspot(HUBSPOT_TOKEN);
    stops.push(hubspot.close);
    await zoho.start();
    stops.push(() => zoho.stop());
    // Through the same parsing as production, so the variable itself is exercised.
    const config = loadConfig({
      PUBLIC_BASE_URL,
      CONSENT_DEFAULTS: 'generic:business_card, zoho:existing_customer, hubspot:existing_customer',
      ZOHO_WEBHOOK_TOKEN: ZOHO_TOKEN,
      ZOHO_NOTIFICATION_TOKEN: NOTIFY_TOKEN,
      ZOHO_NOTIFICATION_CHANNEL_ID: CHANNEL,
      ZOHO_CLIENT_ID: ZOHO_TEST_CLIENT.id,
      ZOHO_CLIENT_SECRET: ZOHO_TEST_CLIENT.secret,
      ZOHO_REFRESH_TOKEN: ZOHO_TEST_CLIENT.refresh,
      ZOHO_API_BASE_URL: zoho.url,
      ZOHO_ACCOUNTS_URL: zoho.url,
      HUBSPOT_CLIENT_SECRET: HUBSPOT_SECRET,
      HUBSPOT_ACCESS_TOKEN: HUBSPOT_TOKEN,
      HUBSPOT_API_BASE_URL: hubspot.url,
    });
    services = await startTestServices({
      config: {
        consentDefaults: config.consentDefaults,
        zohoWebhookToken: config.zohoWebhookToken,
        zohoNotificationToken: config.zohoNotificationToken,
        zohoNotificationChannelId: config.zohoNotificationChannelId,
        zoho: config.zoho,
        hubspotClientSecret: config.hubspotClientSecret,
      },
      workerOptions: { crm: crmConnectionsFromConfig(config), consentDefaults: config.consentDefaults },
    });
    stops.unshift(services.stop);
  });
  afterAll(async () => {
    for (const stop of stops) await stop();
    expect(zoho.violations).toEqual([]);
    expect(hubspot.violations).toEqual([]);
  });

  const app = () => services.app;
  const consentOf = async (email: string): Promise<ConsentRecord | null | undefined> =>
    (
      await services.pool.query<{ consent: ConsentRecord | null }>('SELECT consent FROM leads WHERE email = $1', [
        email,
      ])
    ).rows[0]?.consent;
  const createLead = async (email: string, consent?: ConsentRecord) => {
    const created = await app().inject({
      method: 'POST',
      url: '/v1/leads',
      headers: auth,
      payload: { email, ...(consent ? { consent } : {}) },
    });
    expect(created.statusCode).toBe(201);
  };
  // A time the engine recorded the default at: during this test, not the CRM's event time.
  const recordedSince = (since: number): unknown =>
    expect.toSatisfy((at: string) => Date.parse(at) >= since && Date.parse(at) <= Date.now());

  describe('the generic CRM webhook', () => {
    it('gives a lead it creates the configured basis, naming the default and the CRM record', async () => {
      const since = Date.now() - 1000;
      const res = await sendGenericCrmEvent(app(), 'lead.created', {
        email: 'generic-new@example.jp',
        name: '名刺 太郎',
        externalId: 'crm-contact-77',
      });
      expect(res.statusCode).toBe(200);
      expect(await consentOf('generic-new@example.jp')).toEqual({
        basis: 'business_card',
        source: 'CRM webhook (CONSENT_DEFAULTS)',
        at: recordedSince(since),
        evidence: 'record crm-contact-77',
      });
      const lead = await app().inject({
        method: 'GET',
        url: `/v1/leads/${res.json<{ leadId: string }>().leadId}`,
        headers: auth,
      });
      expect(lead.json()).toMatchObject({ consent: { basis: 'business_card' } });
    });

    it('keeps the basis the event gives, and a repeated delivery changes nothing', async () => {
      const body = {
        id: 'crm-given-consent',
        type: 'lead.created',
        occurredAt: '2026-11-30T10:00:00+09:00',
        data: { email: 'generic-given@example.jp', consent: OPT_IN },
      };
      expect((await postGenericCrmEvent(app(), body)).statusCode).toBe(200);
      expect(await consentOf('generic-given@example.jp')).toEqual(OPT_IN);
      expect((await postGenericCrmEvent(app(), body)).json()).toMatchObject({ duplicate: true });
      expect(await consentOf('generic-given@example.jp')).toEqual(OPT_IN);
    });

    it('never replaces a recorded basis with the default, and keeps the first default on later updates', async () => {
      await createLead('generic-opted-in@example.jp', OPT_IN);
      expect(
        (await sendGenericCrmEvent(app(), 'lead.updated', { email: 'generic-opted-in@example.jp', name: '山田' }))
          .statusCode,
      ).toBe(200);
      expect(await consentOf('generic-opted-in@example.jp')).toEqual(OPT_IN);

      await sendGenericCrmEvent(app(), 'lead.created', { email: 'generic-twice@example.jp', externalId: 'crm-1' });
      const first = await consentOf('generic-twice@example.jp');
      await sendGenericCrmEvent(app(), 'lead.updated', { email: 'generic-twice@example.jp', externalId: 'crm-1' });
      expect(await consentOf('generic-twice@example.jp')).toEqual(first);
    });

    it('fills the basis of a lead that had none when the CRM writes its profile', async () => {
      await createLead('generic-bare@example.jp');
      expect(await consentOf('generic-bare@example.jp')).toBeNull();
      const res = await sendGenericCrmEvent(app(), 'lead.updated', { email: 'generic-bare@example.jp', title: '部長' });
      expect(await consentOf('generic-bare@example.jp')).toMatchObject({
        basis: 'business_card',
        evidence: expect.stringMatching(/^event crm-/),
      });
      expect(res.json()).toMatchObject({ duplicate: false });
    });

    it('gives the default to a lead a deal event creates, and leaves a known lead without one as it is', async () => {
      const res = await sendGenericCrmEvent(app(), 'deal.stage_changed', {
        email: 'generic-deal@example.jp',
        stage: '提案',
        dealId: 'd-1',
      });
      expect(res.statusCode).toBe(200);
      expect(await consentOf('generic-deal@example.jp')).toMatchObject({ basis: 'business_card' });
      // A deal report writes no profile: a lead that came without a basis keeps having none.
      await createLead('generic-deal-known@example.jp');
      await sendGenericCrmEvent(app(), 'deal.stage_changed', {
        email: 'generic-deal-known@example.jp',
        stage: '提案',
        dealId: 'd-2',
      });
      expect(await consentOf('generic-deal-known@example.jp')).toBeNull();
    });

    it('records no basis when no default is configured for the source', async () => {
      const bare = await startTestApp({
        pool: services.pool,
        taskQueue: services.taskQueue,
        config: { consentDefaults: { zoho: 'existing_customer' } },
      });
      try {
        expect(
          (await sendGenericCrmEvent(bare.app, 'lead.created', { email: 'generic-no-default@example.jp' })).statusCode,
        ).toBe(200);
      } finally {
        await bare.close();
      }
      expect(await consentOf('generic-no-default@example.jp')).toBeNull();
    });
  });

  describe('Zoho CRM', () => {
    it('gives a contact from a workflow-rule webhook the Zoho default, with the record as evidence', async () => {
      const res = await app().inject({
        method: 'POST',
        url: '/v1/webhooks/crm/zoho',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({
          token: ZOHO_TOKEN,
          module: 'Contacts',
          record_id: '4150868000000300001',
          modified_time: '2026-11-29T10:00:00+09:00',
          email: 'zoho-contact@example.jp',
          last_name: '取引',
          first_name: '花子',
        }).toString(),
      });
      expect(res.statusCode).toBe(200);
      expect(await consentOf('zoho-contact@example.jp')).toEqual({
        basis: 'existing_customer',
        source: 'Zoho CRM (CONSENT_DEFAULTS)',
        at: expect.any(String),
        evidence: 'record zoho:Contacts:4150868000000300001',
      });
    });

    it('gives a record fetched for a Notification API callback the Zoho default, and keeps a recorded basis', async () => {
      await createLead('zoho-opted-in@example.jp', OPT_IN);
      const contacts = {
        '4150868000000300002': 'zoho-fetched@example.jp',
        '4150868000000300003': 'zoho-opted-in@example.jp',
      };
      for (const [id, email] of Object.entries(contacts))
        zoho.records.set(`Contacts/${id}`, {
          Email: email,
          Last_Name: '通知',
          Modified_Time: '2026-11-29T11:00:00+09:00',
        });
      const res = await app().inject({
        method: 'POST',
        url: '/v1/webhooks/crm/zoho/notifications',
        payload: zoho.notification({ id: CHANNEL, token: NOTIFY_TOKEN }, 'Contacts', 'insert', Object.keys(contacts)),
      });
      expect(res.statusCode).toBe(200);
      expect(await services.client.workflow.getHandle(res.json<{ workflowId: string }>().workflowId).result()).toEqual({
        applied: 2,
        gone: 0,
      });
      expect(await consentOf('zoho-fetched@example.jp')).toEqual({
        basis: 'existing_customer',
        source: 'Zoho CRM (CONSENT_DEFAULTS)',
        at: expect.any(String),
        evidence: 'record zoho:Contacts:4150868000000300002',
      });
      expect(await consentOf('zoho-opted-in@example.jp')).toEqual(OPT_IN);
    });
  });

  describe('HubSpot', () => {
    let eventId = 500;
    const deliver = async (objectId: number): Promise<unknown> => {
      const event = hubspotTestEvent(eventId++, { subscriptionType: 'contact.creation', objectId });
      expect((await postHubspotBatch(app(), HUBSPOT_SECRET, [event])).json()).toMatchObject({ accepted: 1 });
      return services.client.workflow.getHandle(hubspotWorkflowId(hubspotEventKey(event))).result();
    };

    it('gives a fetched contact the HubSpot default, and keeps a basis the lead already had', async () => {
      hubspot.contacts.set('801', { email: 'hs-contact@example.jp', firstname: '次郎', lastname: '佐藤' });
      await deliver(801);
      expect(await consentOf('hs-contact@example.jp')).toEqual({
        basis: 'existing_customer',
        source: 'HubSpot (CONSENT_DEFAULTS)',
        at: expect.any(String),
        evidence: 'record hubspot:contact:801',
      });

      const card = { basis: 'business_card', source: '展示会 2026-11', at: '2026-11-20T10:00:00+09:00' };
      await createLead('hs-card@example.jp', card);
      hubspot.contacts.set('802', { email: 'hs-card@example.jp', lastname: '名刺' });
      await deliver(802);
      expect(await consentOf('hs-card@example.jp')).toEqual(card);
    });
  });
});
