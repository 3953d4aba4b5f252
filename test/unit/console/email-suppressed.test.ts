import { describe, expect, it } from 'vitest';
import type { ApiAnswer, ConsoleApi, ConsoleContext } from '../../../console/context.ts';
import { explainBlock } from '../../../console/pages/lead-explain.ts';
import { timelineList } from '../../../console/pages/timeline.ts';

// The lead page says in words that email is suppressed and why: in the explanation of the
// next touch (from GET /v1/leads/:id/explain) and on the timeline.

const context = (lang: 'ja' | 'en'): ConsoleContext => ({
  lang,
  caller: { keyId: 'admin', role: 'admin' },
  csrfToken: 'x',
  path: '/leads/1',
  can: () => true,
});

/** The explain answer the page reads, as the API would give it. */
const answering = (body: unknown): ConsoleApi => ({
  get: async <T>(): Promise<ApiAnswer<T>> => ({ status: 200, body: body as T }),
  send: async () => {
    throw new Error('the explanation only reads');
  },
});

describe('email suppressed, as the lead page says it', () => {
  it('shows the reason and what still reaches the lead under the next touch', async () => {
    const message = 'No email (unsubscribed with the link in an email); touches go on by paper DM and tasks';
    const page = String(
      await explainBlock(
        context('en'),
        answering({
          nextTouch: null,
          lastTouch: null,
          monthsWithoutTouch: 0,
          paused: false,
          emailSuppressed: { reason: 'unsubscribed', cause: 'unsubscribed', since: '2026-12-01T00:00:00Z', message },
        }),
        'lead-1',
      ),
    );
    expect(page).toContain(`<p data-field="explain-email">${message}</p>`);
    const none = String(
      await explainBlock(
        context('en'),
        answering({ nextTouch: null, lastTouch: null, monthsWithoutTouch: 0, paused: false, emailSuppressed: null }),
        'lead-1',
      ),
    );
    expect(none).not.toContain('explain-email');
  });

  it('words an email-only unsubscribe on the timeline, and leaves one from before (which closed the lead) as it was', () => {
    const items = [
      {
        at: '2026-12-01T00:00:00Z',
        kind: 'unsubscribed',
        detail: { channel: 'email', reason: 'unsubscribed via zoho' },
      },
      { at: '2026-11-01T00:00:00Z', kind: 'unsubscribed', detail: {} },
    ];
    const ja = String(timelineList('ja', items));
    expect(ja).toContain('メール配信停止');
    expect(ja).toContain('メールは送りません (Zoho CRM で配信停止)。DM とタスクで接触を続けます');
    const en = String(timelineList('en', items));
    expect(en).toContain('Unsubscribed from email');
    expect(en).toContain('No email (unsubscribed in Zoho CRM); touches go on by paper DM and tasks');
  });
});
