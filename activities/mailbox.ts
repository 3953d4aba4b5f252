import { Context, heartbeat, log } from '@temporalio/activity';
import { ImapFlow } from 'imapflow';
import type { ImapConfig } from '../config/env.ts';
import { mailboxCursor, saveMailboxCursor } from '../db/repositories/replies.ts';
import { acceptReply } from '../intake/replies.ts';
import { INBOUND_MESSAGE_MAX_BYTES, parseInboundMessage } from '../mail/inbound-message.ts';
import type { ActivityDependencies } from './dependencies.ts';

// Messages handled per poll at most: a full mailbox is worked off over several polls,
// each of which records its progress, rather than in one call that could outlast its timeout.
const BATCH = 200;

/** What one poll did. */
export interface MailboxPollResult {
  /** Messages read (new UIDs). */
  read: number;
  /** Of those, replies (and automatic answers) to the engine's email. */
  replies: number;
}

/** The cursor's key: one per account and folder, so pointing IMAP_URL elsewhere starts afresh. */
const cursorKey = (imap: ImapConfig): string => `imap://${imap.user}@${imap.host}:${imap.port}/${imap.mailbox}`;

/** Reading replies from the IMAP mailbox (IMAP_URL). */
export function createMailboxActivities(deps: ActivityDependencies) {
  const { db } = deps;
  return {
    /**
     * Reads the messages that arrived since the last poll (UIDs above the stored one,
     * under the same UIDVALIDITY) and hands each to reply intake, storing the UID after
     * each, so a poll that dies part-way continues where it stopped and no message is taken
     * twice across restarts. A changed UIDVALIDITY (a rebuilt mailbox) reads the mailbox
     * from the start: each reply's Message-ID keeps one already taken from counting again.
     * Messages are only read (BODY.PEEK): the mailbox stays as the people using it left it.
     */
    async pollMailbox(): Promise<MailboxPollResult> {
      const imap = deps.imap;
      if (imap === undefined) return { read: 0, replies: 0 };
      const context = Context.current();
      const intake = {
        db,
        temporal: context.client,
        taskQueue: context.info.taskQueue,
        appSecret: deps.appSecret,
        replyAddress: deps.replyAddress,
      };
      const client = new ImapFlow({
        host: imap.host,
        port: imap.port,
        secure: imap.secure,
        auth: { user: imap.user, pass: imap.password },
        logger: false,
        socketTimeout: 60_000,
      });
      // An error event after connect (the server going away) must not crash the worker:
      // the command in flight fails, and Temporal retries the poll.
      client.on('error', (error: Error) => {
        log.warn('IMAP connection error', { error: error.message });
      });
      await client.connect();
      let read = 0;
      let replies = 0;
      try {
        const lock = await client.getMailboxLock(imap.mailbox, { readOnly: true });
        try {
          const mailbox = client.mailbox;
          if (mailbox === false) throw new Error(`IMAP mailbox ${imap.mailbox} did not open`);
          const key = cursorKey(imap);
          const cursor = await mailboxCursor(db, key);
          const sameMailbox = cursor !== undefined && cursor.uidValidity === mailbox.uidValidity;
          if (cursor !== undefined && !sameMailbox)
            log.warn('IMAP UIDVALIDITY changed: reading the mailbox again', { mailbox: imap.mailbox });
          let lastUid = sameMailbox ? cursor.lastUid : 0;
          if (mailbox.exists === 0 || mailbox.uidNext <= lastUid + 1) return { read, replies };
          // "n:*" also matches the newest message when its UID is below n: filter.
          const found = (await client.search({ uid: `${lastUid + 1}:*` }, { uid: true })) || [];
          const uids = found
            .filter((uid) => uid > lastUid)
            .sort((a, b) => a - b)
            .slice(0, BATCH);
          for (const uid of uids) {
            heartbeat({ uid });
            const message = await client.fetchOne(String(uid), { uid: true, size: true, source: true }, { uid: true });
            read += 1;
            if (message && message.source && (message.size ?? message.source.length) <= INBOUND_MESSAGE_MAX_BYTES) {
              const outcome = await acceptReply(intake, await parseInboundMessage(message.source), 'imap');
              if (outcome.outcome !== 'unmatched') replies += 1;
            } else if (message) {
              log.warn('IMAP message skipped: larger than a reply can be', { uid, size: message.size });
            }
            lastUid = uid;
            await saveMailboxCursor(db, key, { uidValidity: mailbox.uidValidity, lastUid });
          }
        } finally {
          lock.release();
        }
      } finally {
        await client.logout().catch(() => client.close());
      }
      if (read > 0) log.info('IMAP mailbox read', { read, replies });
      return { read, replies };
    },
  };
}
