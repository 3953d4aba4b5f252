import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/env.ts';
import { createMailer } from '../../mail/transport.ts';
import { mailTo, stack, waitFor } from '../support/services.ts';

describe('DKIM signing', () => {
  it('signs every message with the configured domain and selector when DKIM_* is set', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'lle-dkim-'));
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await writeFile(path.join(dir, 'dkim.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const config = loadConfig(
      { DKIM_DOMAIN: 'example.com', DKIM_SELECTOR: 'lle2026', DKIM_PRIVATE_KEY_PATH: 'dkim.pem' },
      dir,
    );
    const mailer = createMailer(stack().smtpUrl, config.dkim);
    try {
      await mailer.sendMail({
        from: 'Example Co. <marketing@example.com>',
        to: 'dkim-check@example.jp',
        subject: '署名テスト',
        text: 'signed',
      });
    } finally {
      mailer.close();
    }
    const [mail] = await waitFor(async () => {
      const received = await mailTo('dkim-check@example.jp');
      return received.length === 1 && received;
    }, 'the signed message');
    const signature = mail?.headerLines.find((h) => h.key === 'dkim-signature')?.line.replace(/\r?\n\s+/g, ' ') ?? '';
    expect(signature).toMatch(/\bd=example\.com;/);
    expect(signature).toMatch(/\bs=lle2026;/);
    expect(signature).toMatch(/\ba=rsa-sha256;/);
    expect(signature).toMatch(/\bb=[A-Za-z0-9+/=\s]{100,}/);
  });

  it('refuses a partial DKIM configuration, naming the missing variable', () => {
    expect(() => loadConfig({ DKIM_DOMAIN: 'example.com' })).toThrow(/^DKIM_SELECTOR: /);
  });
});
