import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../config/env.ts';

const CLIENT = { ZOHO_CLIENT_ID: '1000.ID', ZOHO_CLIENT_SECRET: 'secret', ZOHO_REFRESH_TOKEN: '1000.refresh' };

function problemWith(env: Record<string, string>): { variable: string; message: string } {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return { variable: (error as ConfigError).variable, message: (error as ConfigError).message };
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('the Zoho CRM configuration', () => {
  it("is off without the OAuth client, and takes Zoho's US hosts and the Qualification stage by default", () => {
    expect(loadConfig({}).zoho).toBeUndefined();
    expect(loadConfig(CLIENT).zoho).toEqual({
      clientId: '1000.ID',
      clientSecret: 'secret',
      refreshToken: '1000.refresh',
      apiBaseUrl: 'https://www.zohoapis.com',
      accountsUrl: 'https://accounts.zoho.com',
      dealStage: 'Qualification',
    });
  });

  it('takes another data centre, without trailing slashes', () => {
    const zoho = loadConfig({
      ...CLIENT,
      ZOHO_API_BASE_URL: 'https://www.zohoapis.jp/',
      ZOHO_ACCOUNTS_URL: 'https://accounts.zoho.jp',
    }).zoho;
    expect(zoho).toMatchObject({ apiBaseUrl: 'https://www.zohoapis.jp', accountsUrl: 'https://accounts.zoho.jp' });
  });

  it('names the missing part of the OAuth client', () => {
    expect(problemWith({ ZOHO_CLIENT_ID: '1000.ID', ZOHO_CLIENT_SECRET: 'secret' }).variable).toBe(
      'ZOHO_REFRESH_TOKEN',
    );
    expect(problemWith({ ZOHO_REFRESH_TOKEN: 'r' }).variable).toBe('ZOHO_CLIENT_ID');
    expect(problemWith({ ...CLIENT, ZOHO_API_BASE_URL: 'zohoapis.jp' }).variable).toBe('ZOHO_API_BASE_URL');
  });

  it('refuses a notification token Zoho could not keep and a channel id that is not a number', () => {
    expect(problemWith({ ZOHO_NOTIFICATION_TOKEN: 'short' }).variable).toBe('ZOHO_NOTIFICATION_TOKEN');
    expect(problemWith({ ZOHO_NOTIFICATION_TOKEN: 'x'.repeat(51) }).message).toContain('50');
    expect(loadConfig({ ZOHO_NOTIFICATION_TOKEN: 'x'.repeat(50) }).zohoNotificationToken).toHaveLength(50);
    expect(problemWith({ ZOHO_NOTIFICATION_CHANNEL_ID: 'abc' }).variable).toBe('ZOHO_NOTIFICATION_CHANNEL_ID');
    expect(loadConfig({ ZOHO_NOTIFICATION_CHANNEL_ID: '1000000068001' }).zohoNotificationChannelId).toBe(
      '1000000068001',
    );
  });
});
