import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../config/env.ts';

describe('the HubSpot configuration', () => {
  it("defaults to HubSpot's API host and the default pipeline's first stage, with no token", () => {
    expect(loadConfig({}).hubspot).toEqual({
      accessToken: undefined,
      apiBaseUrl: 'https://api.hubapi.com',
      contractEndProperty: undefined,
      contractEndDateProperty: undefined,
      dealPipeline: 'default',
      dealStage: 'appointmentscheduled',
    });
  });

  it('takes the token, another API base without its trailing slash, and property and stage ids', () => {
    const config = loadConfig({
      HUBSPOT_ACCESS_TOKEN: 'pat-na1-0123456789',
      HUBSPOT_API_BASE_URL: 'http://127.0.0.1:9999/',
      HUBSPOT_CONTRACT_END_PROPERTY: 'contract_end_reason',
      HUBSPOT_CONTRACT_END_DATE_PROPERTY: 'contract_end_date',
      HUBSPOT_DEAL_PIPELINE: '12345',
      HUBSPOT_DEAL_STAGE: '67890',
    });
    expect(config.hubspot).toEqual({
      accessToken: 'pat-na1-0123456789',
      apiBaseUrl: 'http://127.0.0.1:9999',
      contractEndProperty: 'contract_end_reason',
      contractEndDateProperty: 'contract_end_date',
      dealPipeline: '12345',
      dealStage: '67890',
    });
  });

  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ HUBSPOT_API_BASE_URL: 'ftp://hubspot' })).toThrow(
      new ConfigError('HUBSPOT_API_BASE_URL', 'must start with http:// or https://'),
    );
    expect(() => loadConfig({ HUBSPOT_CONTRACT_END_PROPERTY: 'contract end' })).toThrow(
      /^HUBSPOT_CONTRACT_END_PROPERTY: /,
    );
    expect(() => loadConfig({ HUBSPOT_CONTRACT_END_DATE_PROPERTY: 'end date' })).toThrow(
      /^HUBSPOT_CONTRACT_END_DATE_PROPERTY: /,
    );
    expect(() => loadConfig({ HUBSPOT_DEAL_STAGE: 'closed/won' })).toThrow(/^HUBSPOT_DEAL_STAGE: /);
    expect(() => loadConfig({ HUBSPOT_ACCESS_TOKEN: 'short' })).toThrow(/^HUBSPOT_ACCESS_TOKEN: /);
  });
});
