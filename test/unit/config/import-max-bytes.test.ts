import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../config/env.ts';

const importMaxBytes = (value?: string) =>
  loadConfig(value === undefined ? {} : { IMPORT_MAX_BYTES: value }, '/tmp').importMaxBytes;

describe('IMPORT_MAX_BYTES', () => {
  it('defaults to 200 MiB and takes bytes or K, M, G (1024-based)', () => {
    expect(importMaxBytes()).toBe(200 * 1024 * 1024);
    expect(importMaxBytes('5000')).toBe(5000);
    expect(importMaxBytes('64k')).toBe(64 * 1024);
    expect(importMaxBytes('200M')).toBe(200 * 1024 * 1024);
    expect(importMaxBytes('1GB')).toBe(1024 ** 3);
  });

  it('stops start-up naming the variable for anything else', () => {
    for (const bad of ['0', '-1', '10 TB', 'lots', '1.5M']) {
      expect(() => importMaxBytes(bad), bad).toThrow(ConfigError);
      expect(() => importMaxBytes(bad), bad).toThrow(/^IMPORT_MAX_BYTES: /);
    }
  });
});
