import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { OutboxList, OutboxMessage } from '../../api/routes/outbox.ts';
import { apiErrorOf, apiFor, contextOf } from '../context.ts';
import { html } from '../html.ts';
import { formatDateTime, messages } from '../i18n.ts';
import { notice, sendApiError, sendPage } from '../layout.ts';

const text = messages({
  ja: {
    title: '送信済みメール',
    intro: 'キャプチャSMTPサーバーが受け取ったメールです（npm start の既定構成）。',
    subject: '件名',
    to: '宛先',
    from: '差出人',
    at: '受信日時',
    html: 'HTML表示',
    text: 'テキスト部分',
    message: 'メール',
  },
  en: {
    title: 'Outbox',
    intro: 'Mail received by the capture SMTP server (the default of npm start).',
    subject: 'Subject',
    to: 'To',
    from: 'From',
    at: 'Received',
    html: 'As rendered',
    text: 'Plain-text part',
    message: 'Message',
  },
});

const IdParams = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9._-]{1,200}$' }) });

/** `/outbox`: the captured mail, and each message as its reader would see it. */
export async function outboxPages(app: FastifyInstance): Promise<void> {
  app.get('/outbox', { schema: { hide: true } }, async (request, reply) => {
    const ctx = contextOf(request);
    const t = text(ctx.lang);
    const answer = await apiFor(app, request).get<OutboxList>('/v1/outbox?limit=200');
    const body =
      answer.status !== 200
        ? notice('error', apiErrorOf(answer).message)
        : html`<p>${t.intro}</p><div class="table-wrap"><table><caption>${t.title} (${answer.body.total ?? answer.body.items.length})</caption>
<thead><tr><th scope="col">${t.subject}</th><th scope="col">${t.to}</th><th scope="col" class="hide-narrow">${t.at}</th></tr></thead>
<tbody>${answer.body.items.map((m) => html`<tr><th scope="row"><a href="/outbox/${m.id}">${m.subject || '—'}</a></th><td>${m.to.join(', ')}</td><td class="hide-narrow">${formatDateTime(ctx.lang, m.receivedAt)}</td></tr>`)}</tbody></table></div>`;
    return sendPage(
      reply,
      ctx,
      { title: t.title, section: 'outbox', body, wide: true },
      answer.status === 200 ? 200 : answer.status,
    );
  });

  app.get<{ Params: { id: string } }>(
    '/outbox/:id',
    { schema: { hide: true, params: IdParams } },
    async (request, reply) => {
      const ctx = contextOf(request);
      const t = text(ctx.lang);
      const answer = await apiFor(app, request).get<OutboxMessage>(
        `/v1/outbox/${encodeURIComponent(request.params.id)}`,
      );
      if (answer.status !== 200) return sendApiError(reply, ctx, { title: t.message, section: 'outbox' }, answer);
      const m = answer.body;
      const body = html`<dl class="profile"><dt>${t.subject}</dt><dd data-testid="subject">${m.subject}</dd><dt>${t.from}</dt><dd>${m.from.join(', ')}</dd><dt>${t.to}</dt><dd>${m.to.join(', ')}</dd><dt>${t.at}</dt><dd>${formatDateTime(ctx.lang, m.receivedAt)}</dd></dl>
<h2>${t.html}</h2>
${m.html ? html`<iframe class="preview-frame" title="${t.html}: ${m.subject}" sandbox srcdoc="${m.html}"></iframe>` : html`<p class="muted">—</p>`}
<h2>${t.text}</h2><pre class="card email-text">${m.text}</pre>`;
      return sendPage(reply, ctx, { title: m.subject || t.message, section: 'outbox', body, wide: true });
    },
  );
}
