import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../config/env.ts';

describe('SALES_MANAGER_EMAIL', () => {
  it('is unset unless given, and kept as given', () => {
    expect(loadConfig({}).salesManagerEmail).toBeUndefined();
    expect(loadConfig({ SALES_MANAGER_EMAIL: ' manager@example.com ' }).salesManagerEmail).toBe('manager@example.com');
  });

  it('stops start-up naming the variable when it is not one address', () => {
    for (const value of ['manager', 'a@example.com,b@example.com', 'Manager <manager@example.com>']) {
      expect(() => loadConfig({ SALES_MANAGER_EMAIL: value })).toThrow(ConfigError);
      expect(() => loadConfig({ SALES_MANAGER_EMAIL: value })).toThrow(/SALES_MANAGER_EMAIL/);
    }
  });
});
