import { describe, expect, it } from 'vitest';
import type { Lead } from '../../../db/repositories/leads.ts';
import { renderFollowUpNotice } from '../../../mail/follow-up-notices.ts';
import { renderNotification } from '../../../mail/notifications.ts';

// The two kinds of rep notice share one layout (renderRepNotice): the headline, the lines
// that have a value, what the notice adds, and the lead's link; lead data escaped in HTML.

const lead = {
  id: 'lead-1',
  email: 'a@example.jp',
  name: '<b>鈴木</b>',
  company: 'ACME <Co>',
  department: null,
  title: 'CTO',
  phone: null,
  locale: 'en',
  timezone: 'Asia/Tokyo',
  stage: 'deal',
  deal: null,
} as unknown as Lead;

describe('rep notices', () => {
  it('escapes lead data in the HTML, keeps it as written in the subject and text, and leaves out empty lines', () => {
    const notice = renderNotification({
      kind: 'sales_escalation',
      lead,
      score: 42.6,
      recent: [],
      leadUrl: 'http://leads.test/leads/lead-1',
    });
    expect(notice.subject).toBe('Hot lead: <b>鈴木</b>, ACME <Co> (score 43)');
    expect(notice.html).toContain('<td>&lt;b&gt;鈴木&lt;/b&gt;</td>');
    expect(notice.html).not.toContain('<b>鈴木</b>');
    expect(notice.html).toContain('<th align="left">Title</th><td>CTO</td>');
    expect(notice.html).not.toContain('Department');
    expect(notice.html).not.toContain('<ul>');
    expect(notice.text).toBe(
      [
        'Hot lead: <b>鈴木</b>, ACME <Co> (score 43)',
        '',
        'Name: <b>鈴木</b>',
        'Company: ACME <Co>',
        'Title: CTO',
        'Email: a@example.jp',
        'Score: 43',
        'Stage: deal',
        '',
        'http://leads.test/leads/lead-1',
      ].join('\n'),
    );
  });

  it('lists recent activity between the lines and the link of a notification', () => {
    const notice = renderNotification({
      kind: 'deal_stalled',
      lead,
      score: 1,
      daysStalled: 9,
      recent: [{ at: new Date('2026-11-30T00:00:00Z'), kind: 'email_opened', detail: { via: '<img>' } }],
      leadUrl: 'http://leads.test/leads/lead-1',
    });
    expect(notice.html).toContain(
      '<p>Recent activity</p><ul><li>2026-11-30T00:00:00.000Z email_opened {&quot;via&quot;:&quot;&lt;img&gt;&quot;}</li></ul>\n<p><a href="http://leads.test/leads/lead-1">',
    );
    expect(notice.text).toContain(
      'Recent activity:\n- 2026-11-30T00:00:00.000Z email_opened {"via":"<img>"}\n\nhttp://leads.test/leads/lead-1',
    );
  });

  it('puts a follow-up notice’s task and action before the lead’s link, without the title line', () => {
    const notice = renderFollowUpNotice({
      kind: 'task_created',
      lead,
      title: 'Call <them>',
      dueAt: new Date('2026-12-03T09:00:00Z'),
      actionUrl: 'http://leads.test/tasks',
      leadUrl: 'http://leads.test/leads/lead-1',
    });
    expect(notice.subject).toBe('Task: Call <them> for <b>鈴木</b>, ACME <Co> (due 3 Dec 2026, 18:00)');
    expect(notice.html).toContain('<th align="left">Task</th><td>Call &lt;them&gt;</td>');
    expect(notice.html).not.toContain('<th align="left">Title</th>');
    expect(notice.html).toContain(
      '<p>Mark it as done in your task list once it is done. <a href="http://leads.test/tasks">http://leads.test/tasks</a></p>\n<p><a href="http://leads.test/leads/lead-1">',
    );
    expect(notice.text.split('\n').slice(-2)).toEqual([
      'Mark it as done in your task list once it is done. http://leads.test/tasks',
      'http://leads.test/leads/lead-1',
    ]);
  });
  it("lists the account's other contacts in an escalation, escaped in the HTML and in the text", () => {
    const notice = renderNotification({
      kind: 'sales_escalation',
      lead,
      score: 42,
      recent: [],
      leadUrl: 'http://leads.test/leads/lead-1',
      account: {
        name: 'ACME <Co>',
        url: 'http://leads.test/accounts/acc-1',
        contacts: [
          {
            name: '<i>佐藤</i>',
            email: 'sato@example.jp',
            title: '部長',
            department: null,
            stage: 'nurturing',
            score: 12,
            url: 'http://leads.test/leads/lead-2',
          },
        ],
      },
    });
    expect(notice.html).toContain(
      'Other contacts at this account (<a href="http://leads.test/accounts/acc-1">ACME &lt;Co&gt;</a>)',
    );
    expect(notice.html).toContain(
      '<a href="http://leads.test/leads/lead-2">&lt;i&gt;佐藤&lt;/i&gt;</a>, 部長: nurturing, score 12',
    );
    expect(notice.text).toContain('- <i>佐藤</i>, 部長: nurturing, score 12 http://leads.test/leads/lead-2');
  });

  it('says nothing of the account when the lead is its only contact', () => {
    const notice = renderNotification({
      kind: 'sales_escalation',
      lead,
      score: 42,
      recent: [],
      leadUrl: 'http://leads.test/leads/lead-1',
      account: { name: 'ACME', url: 'http://leads.test/accounts/acc-1', contacts: [] },
    });
    expect(notice.html).not.toContain('Other contacts');
    expect(notice.text).not.toContain('Other contacts');
  });
});
