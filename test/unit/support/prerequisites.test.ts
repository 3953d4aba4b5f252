import { describe, expect, it } from 'vitest';
import {
  chromium,
  dovecot,
  ensurePrerequisites,
  isPinnedCli,
  MissingPrerequisites,
  type Prerequisite,
} from '../../support/prerequisites.ts';
import { stack } from '../../support/services.ts';

// The test setup's provisioning logic (test/support/prerequisites.ts) with stand-in
// prerequisites: what it installs, and that it stops before installing anything when a
// missing one cannot be installed on this machine, naming the command to run.

/** A prerequisite that is found once installed, recording what happened to it. */
function fake(name: string, options: { present?: boolean; installable?: boolean }) {
  const events: string[] = [];
  let present = options.present ?? false;
  const item: Prerequisite = {
    name,
    find: () => Promise.resolve(present ? { [`${name.toUpperCase()}_PATH`]: `/opt/${name}` } : undefined),
    canInstall: () => Promise.resolve(options.installable ?? true),
    install: (log) => {
      events.push('install');
      log(`installing ${name}`);
      present = true;
      return Promise.resolve();
    },
    manual: `sudo apt-get install -y ${name}`,
  };
  return { item, events };
}

describe('providing what the tests need', () => {
  it('installs what is missing and can be installed, and answers where each tool is', async () => {
    const here = fake('here', { present: true });
    const missing = fake('missing', {});
    const lines: string[] = [];
    const found = await ensurePrerequisites([here.item, missing.item], (line) => lines.push(line));
    expect(found).toEqual({ HERE_PATH: '/opt/here', MISSING_PATH: '/opt/missing' });
    expect(here.events).toEqual([]);
    expect(missing.events).toEqual(['install']);
    expect(lines.join('\n')).toContain('installing missing');
    expect(process.env.MISSING_PATH).toBe('/opt/missing');
    delete process.env.HERE_PATH;
    delete process.env.MISSING_PATH;
  });

  it('stops before installing anything when one cannot be installed here, with the command to run', async () => {
    const installable = fake('installable', {});
    const stuck = fake('stuck', { installable: false });
    const error = await ensurePrerequisites([installable.item, stuck.item], () => {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingPrerequisites);
    expect((error as MissingPrerequisites).missing).toEqual([
      { name: 'stuck', manual: 'sudo apt-get install -y stuck' },
    ]);
    expect((error as Error).message).toContain('sudo apt-get install -y stuck');
    expect(installable.events).toEqual([]);
  });

  it('asks for chromium and the CJK fonts with one apt command', () => {
    expect(chromium.manual).toBe('sudo apt-get update && sudo apt-get install -y chromium fonts-noto-cjk');
  });

  it("asks for Debian's Dovecot IMAP server with one apt command, and finds the one installed here", async () => {
    expect(dovecot.manual).toBe('sudo apt-get update && sudo apt-get install -y dovecot-imapd');
    expect(await dovecot.find()).toEqual({ DOVECOT_PATH: process.env.DOVECOT_PATH ?? '/usr/sbin/dovecot' });
  });

  it('caches only the pinned Temporal CLI build, not any executable', async () => {
    expect(await isPinnedCli(stack().temporalCliPath!)).toBe(true);
    expect(await isPinnedCli(process.execPath)).toBe(false);
  });
});
