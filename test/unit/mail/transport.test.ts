import { describe, expect, it } from 'vitest';
import { messageIdFor } from '../../../mail/transport.ts';

const FROM = 'Lead Lifecycle Engine <marketing@mail.example.com>';

describe('messageIdFor', () => {
  it('gives the same Message-ID for the same idempotency key every time', () => {
    expect(messageIdFor('lead-42/nurture/3', FROM)).toBe(messageIdFor('lead-42/nurture/3', FROM));
  });

  it('gives different Message-IDs for different idempotency keys', () => {
    const ids = new Set(
      ['lead-42/nurture/3', 'lead-42/nurture/4', 'lead-43/nurture/3', ''].map((key) => messageIdFor(key, FROM)),
    );
    expect(ids.size).toBe(4);
  });

  it('has the form <id@domain> with the domain of a "Name <address>" sender', () => {
    expect(messageIdFor('k', FROM)).toMatch(/^<[^<>@\s]+@mail\.example\.com>$/);
  });

  it('uses the domain of a bare sender address', () => {
    expect(messageIdFor('k', 'marketing@b.example')).toMatch(/^<[^<>@\s]+@b\.example>$/);
  });

  it('depends on the key alone, not on how the sender is written', () => {
    expect(messageIdFor('k', 'Name <a@b.example>')).toBe(messageIdFor('k', 'a@b.example'));
  });

  it('takes the domain of the address, not an @ inside the display name', () => {
    expect(messageIdFor('k', '"sales@other.example" <news@mail.example.org>')).toMatch(/@mail\.example\.org>$/);
  });

  it('does not put the idempotency key itself into the Message-ID', () => {
    const id = messageIdFor('lead-42 customer@private.example', FROM);
    expect(id).not.toContain('lead-42');
    expect(id).not.toContain('private.example');
  });

  it('uses only characters allowed in a Message-ID left part', () => {
    const local = /^<([^@]+)@/.exec(messageIdFor('キー with spaces & <brackets>', FROM))?.[1];
    expect(local).toMatch(/^[A-Za-z0-9]+$/);
  });
});
