// A reply noticed in the inbox (docs/product.md, Connected mailbox): one function records it, so that
// everything a reply causes starts here. The REPLY event, the tracked email's first reply time and
// the owner's notification are written in one transaction; then the inferred open (if none came
// before) and, with `logReplies`, the reply logged on the sender's timeline.
import { createHash } from 'node:crypto';
import type { Database } from '../db/index.js';
import { insertReply, type RepliedMail } from '../store/replies.js';
import type { StoredNotification } from '../store/notifications.js';
import { enqueueChannelPosts, enqueueWebhookEvent } from '../store/webhooks.js';

type Owner = { accountId: string; userId: string };

export interface ReplyFacts {
  from: string;
  fromName?: string;
  replyMessageId: string;
  at: number;
}

/** Stable per (email, reply): a resync or a second process records nothing twice. */
export function replyEventId(owner: Owner, mail: RepliedMail, replyMessageId: string): string {
  const target = mail.trackedEmailId ?? mail.loggedEmailId;
  return 'reply-' + createHash('sha256').update(`${owner.accountId}\n${target}\n${replyMessageId}`).digest('hex').slice(0, 32);
}

/**
 * Records the reply; answers the notifications it stored ([] when it was recorded before).
 * The `email.replied` webhook and the owner's channel posts are queued inside this transaction.
 */
export async function recordReply(database: Database, owner: Owner, mail: RepliedMail, r: ReplyFacts): Promise<StoredNotification[]> {
  const who = r.fromName?.trim() || r.from;
  return database.db.transaction().execute(async (trx) => {
    const created = await insertReply(trx, owner, mail, { eventId: replyEventId(owner, mail, r.replyMessageId), from: r.from, who, at: r.at, replyMessageId: r.replyMessageId });
    if (created.length) {
      // A new reply (not one recorded before): webhooks and the rep's channels hear of it in the same commit.
      const emailId = mail.trackedEmailId ?? mail.loggedEmailId;
      await enqueueWebhookEvent(trx, owner.accountId, { type: 'email.replied', at: r.at, data: { emailId, recipient: r.from, subject: mail.subject } });
      await enqueueChannelPosts(trx, created, () => owner.accountId);
    }
    return created;
  });
}
