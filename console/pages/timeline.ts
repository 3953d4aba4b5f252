import { html, type Html, type HtmlValue } from '../html.ts';
import { suppressionMessage } from '../../domain/email-suppression.ts';
import { formatDateTime, messages, stageName, type Lang } from '../i18n.ts';

/** GET /v1/leads/:id/timeline items. */
export interface TimelineItem {
  at: string;
  kind: string;
  detail: Record<string, unknown>;
}

const text = messages({
  ja: {
    email_sent: 'メール送信',
    email_skipped: 'メール送信を見送り',
    broadcast_sent: '一斉配信を送信',
    broadcast_skipped: '一斉配信を見送り',
    broadcast_held: '一斉配信を送信時間帯まで保留',
    dm: 'DM作成',
    dm_sent: 'DM発送',
    dm_skipped: 'DMを見送り',
    engagement: '行動',
    escalated: '営業へエスカレーション',
    stage_changed: 'ステージ変更',
    notification: '担当者へ通知',
    touch_delayed: 'タッチを延期',
    touch_skipped: 'タッチを見送り',
    touch_failed: 'タッチ失敗',
    unsubscribed: 'メール配信停止',
    deal_stage_changed: '商談ステージ変更',
    deal_won: '受注',
    deal_lost: '失注',
    contract_ended: '契約終了',
    email_bounced: 'バウンス',
    email_hard_bounce: 'ハードバウンス',
    email_soft_bounce: 'ソフトバウンス',
    paused: '一時停止',
    resumed: '再開',
    do_not_contact: '連絡禁止に設定',
    owner_changed: '担当者変更',
    stage_move_refused: 'ステージ変更を拒否',
    dm_task_created: 'DMタスク作成',
    task_created: 'タスク作成',
    event: '行動',
    deal_opened: '商談開始',
    reactivation_decided: '再営業の判断',
    reactivation_decision_refused: '再営業の判断を適用できず',
    deal_updated: '商談の更新',
    reply_received: '返信あり',
    auto_reply_received: '自動返信 (スコア・停止なし)',
    reply_owner_notified: '担当者へ返信を通知',
    reply_unassigned: '返信: 通知先の担当者なし',
    content: '内容',
  },
  en: {
    email_sent: 'Email sent',
    email_skipped: 'Email skipped',
    broadcast_sent: 'Broadcast sent',
    broadcast_skipped: 'Broadcast skipped',
    broadcast_held: 'Broadcast held for the send window',
    dm: 'DM created',
    dm_sent: 'DM posted',
    dm_skipped: 'DM skipped',
    engagement: 'Engagement',
    escalated: 'Escalated to sales',
    stage_changed: 'Stage changed',
    notification: 'Rep notified',
    touch_delayed: 'Touch delayed',
    touch_skipped: 'Touch skipped',
    touch_failed: 'Touch failed',
    unsubscribed: 'Unsubscribed from email',
    deal_stage_changed: 'Deal stage changed',
    deal_won: 'Deal won',
    deal_lost: 'Deal lost',
    contract_ended: 'Contract ended',
    email_bounced: 'Bounced',
    email_hard_bounce: 'Hard bounce',
    email_soft_bounce: 'Soft bounce',
    paused: 'Paused',
    resumed: 'Resumed',
    do_not_contact: 'Marked do-not-contact',
    owner_changed: 'Owner changed',
    stage_move_refused: 'Stage move refused',
    dm_task_created: 'DM task created',
    task_created: 'Task created',
    event: 'Engagement',
    deal_opened: 'Deal opened',
    reactivation_decided: 'Reactivation decided',
    reactivation_decision_refused: 'Reactivation decision not applied',
    deal_updated: 'Deal updated',
    reply_received: 'Reply received',
    auto_reply_received: 'Automatic reply (not scored, not pausing)',
    reply_owner_notified: 'Owner told of the reply',
    reply_unassigned: 'Reply: no owner to tell',
    content: 'Content',
  },
});

/** A timeline entry's kind in the reader's language (the raw kind when there is no name for it). */
export function kindName(lang: Lang, kind: string): string {
  const names: Record<string, string> = text(lang);
  return names[kind] ?? kind;
}

function detailLine(lang: Lang, item: TimelineItem): Html {
  const d = item.detail;
  // A reply shows who wrote, the subject and what they wrote (escaped, line breaks kept).
  if ((item.kind === 'reply_received' || item.kind === 'auto_reply_received') && typeof d.text === 'string')
    return html`${typeof d.from === 'string' ? d.from : ''} · ${typeof d.subject === 'string' ? d.subject : ''}<blockquote class="reply-text">${d.text}</blockquote>`;
  // A broadcast links to its page, with why it was skipped or until when it is held.
  if (item.kind.startsWith('broadcast_') && typeof d.broadcastId === 'string')
    return html`<a href="/broadcasts/${d.broadcastId}">${typeof d.name === 'string' ? d.name : d.broadcastId}</a>${
      typeof d.reason === 'string' ? ` · ${d.reason}` : ''
    }${typeof d.until === 'string' ? html` · ${formatDateTime(lang, d.until)}` : ''}`;
  if (item.kind === 'stage_changed' && typeof d.to === 'string')
    return html`${typeof d.from === 'string' ? stageName(lang, d.from) : ''} → ${stageName(lang, d.to)}`;
  // An email-only unsubscribe says why, and that DM and tasks go on (one from before, which closed the lead, has no channel).
  if (item.kind === 'unsubscribed' && d.channel === 'email' && typeof d.reason === 'string')
    return html`${suppressionMessage(d.reason, lang)}`;
  const shown = (value: unknown) =>
    typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '—';
  // A CRM change names the fields that changed, each from its old value to its new one.
  const changed =
    typeof d.changed === 'object' && d.changed !== null
      ? Object.entries(d.changed as Record<string, { from?: unknown; to?: unknown }>).map(
          ([field, change]) => `${field}: ${shown(change.from ?? null)} → ${shown(change.to ?? null)}`,
        )
      : [];
  const parts = Object.entries(d)
    .filter(([key, value]) => value !== null && typeof value !== 'object' && key !== 'html')
    .filter(([key]) => changed.length === 0 || !(key in (d.changed as object)))
    .map(([key, value]) => `${key}: ${shown(value)}`);
  return html`${[...changed, ...parts].join(' · ')}`;
}

/** A lead's timeline, oldest first, as an accessible list; `more` adds to an item (an email's content). */
export function timelineList(
  lang: Lang,
  items: readonly TimelineItem[],
  more?: (item: TimelineItem) => HtmlValue,
): Html {
  if (items.length === 0) return html`<p class="muted">—</p>`;
  return html`<ol class="timeline">${items.map(
    (item) =>
      html`<li data-kind="${item.kind}"><span class="kind">${kindName(lang, item.kind)}</span><time datetime="${item.at}">${formatDateTime(lang, item.at)}</time><br><span class="muted">${detailLine(lang, item)}</span>${more?.(item)}</li>`,
  )}</ol>`;
}
