// Connected mailboxes (one per user), the sync state of their folders, and the lease that lets one
// process at a time sync a mailbox. Every claim and renewal is a compare-and-set on the row, so it
// means the same on SQLite and PostgreSQL, with any number of processes.
import type { Kysely, Selectable } from 'kysely';
import type { MailboxesTable, MailboxFoldersTable, Schema } from '../db/schema.js';

export type MailboxRow = Selectable<MailboxesTable>;
export type FolderRole = MailboxFoldersTable['role'];
type Owner = { accountId: string; userId: string };

export interface MailboxSettings {
  host: string;
  port: number;
  security: 'tls' | 'starttls';
  username: string;
  auth: 'password' | 'xoauth2';
  secret: string;
  sentFolder: string;
  inboxFolder: string;
}

/**
 * Saves (or replaces) the user's mailbox as CONNECTING, ready to be claimed at once. A mailbox that
 * now points elsewhere (host or username) starts its folders afresh; the generation tells a process
 * still syncing the old settings to stop.
 */
export async function saveMailbox(db: Kysely<Schema>, owner: Owner, m: MailboxSettings): Promise<void> {
  const now = Date.now();
  await db.transaction().execute(async (trx) => {
    const old = await trx.selectFrom('mailboxes').select(['host', 'username', 'generation']).where('user_id', '=', owner.userId).where('account_id', '=', owner.accountId).executeTakeFirst();
    const values = {
      host: m.host,
      port: m.port,
      security: m.security,
      username: m.username,
      auth: m.auth,
      secret: m.secret,
      sent_folder: m.sentFolder,
      inbox_folder: m.inboxFolder,
      status: 'CONNECTING' as const,
      last_error: null,
      failures: 0,
      retry_at: 0,
      lease_owner: null,
      lease_until: null,
    };
    if (old) {
      // The row first (see forgetMailbox), then the folders' state.
      await trx.updateTable('mailboxes').set({ ...values, generation: Number(old.generation) + 1 }).where('user_id', '=', owner.userId).execute();
      if (old.host !== m.host || old.username !== m.username) await trx.deleteFrom('mailbox_folders').where('user_id', '=', owner.userId).execute();
    } else {
      await trx.deleteFrom('mailbox_folders').where('user_id', '=', owner.userId).execute();
      await trx.insertInto('mailboxes').values({ ...values, user_id: owner.userId, account_id: owner.accountId, connected_at: now, last_sync_at: null }).execute();
    }
  });
}

export async function getMailbox(db: Kysely<Schema>, owner: Owner): Promise<MailboxRow | undefined> {
  return db.selectFrom('mailboxes').selectAll().where('user_id', '=', owner.userId).where('account_id', '=', owner.accountId).executeTakeFirst();
}

/** Forgets the mailbox, its secret and its folders' state; answers whether there was one. */
export async function deleteMailbox(db: Kysely<Schema>, owner: Owner): Promise<boolean> {
  return db.transaction().execute((trx) => forgetMailbox(trx, owner));
}

/**
 * deleteMailbox within the caller's transaction (removing a user). The process syncing it finds its
 * lease gone at the next renewal and ends the session.
 */
export async function forgetMailbox(trx: Kysely<Schema>, owner: Owner): Promise<boolean> {
  // The mailbox row first: it waits for a session recording its place (setFolderState), whose folder row is then deleted too.
  const r = await trx.deleteFrom('mailboxes').where('user_id', '=', owner.userId).where('account_id', '=', owner.accountId).executeTakeFirst();
  await trx.deleteFrom('mailbox_folders').where('user_id', '=', owner.userId).where('account_id', '=', owner.accountId).execute();
  return Number(r.numDeletedRows) > 0;
}

/** Claims up to `limit` mailboxes nobody holds (or whose holder's lease ran out) that are due a try. */
export async function claimMailboxes(db: Kysely<Schema>, owner: string, now: number, leaseMs: number, limit: number): Promise<MailboxRow[]> {
  const candidates = await db
    .selectFrom('mailboxes')
    .select(['user_id', 'lease_owner', 'lease_until'])
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
    .where('retry_at', '<=', now)
    .limit(limit)
    .execute();
  const claimed: MailboxRow[] = [];
  for (const c of candidates) {
    // Compare-and-set on what we read: of two processes racing for a row, one update lands.
    let q = db.updateTable('mailboxes').set({ lease_owner: owner, lease_until: now + leaseMs }).where('user_id', '=', c.user_id);
    q = c.lease_until === null ? q.where('lease_until', 'is', null) : q.where('lease_until', '=', c.lease_until);
    const r = await q.executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) continue;
    const row = await db.selectFrom('mailboxes').selectAll().where('user_id', '=', c.user_id).executeTakeFirst();
    if (row) claimed.push(row);
  }
  return claimed;
}

/** Extends our lease; false when it is no longer ours or the settings changed (stop syncing). */
export async function renewMailboxLease(db: Kysely<Schema>, userId: string, owner: string, generation: number, until: number): Promise<boolean> {
  const r = await db.updateTable('mailboxes').set({ lease_until: until }).where('user_id', '=', userId).where('lease_owner', '=', owner).where('generation', '=', generation).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function releaseMailboxLease(db: Kysely<Schema>, userId: string, owner: string): Promise<void> {
  await db.updateTable('mailboxes').set({ lease_owner: null, lease_until: null }).where('user_id', '=', userId).where('lease_owner', '=', owner).execute();
}

export type MailboxStatusUpdate = Partial<Pick<MailboxesTable, 'status' | 'last_error' | 'last_sync_at'>> & { failures?: number; retry_at?: number };

/** Writes the status the holder of the lease saw. */
export async function setMailboxStatus(db: Kysely<Schema>, userId: string, owner: string, generation: number, s: MailboxStatusUpdate): Promise<void> {
  await db.updateTable('mailboxes').set(s).where('user_id', '=', userId).where('lease_owner', '=', owner).where('generation', '=', generation).execute();
}

export async function getFolderState(db: Kysely<Schema>, userId: string, role: FolderRole): Promise<{ uidvalidity: string; lastUid: number } | undefined> {
  const r = await db.selectFrom('mailbox_folders').select(['uidvalidity', 'last_uid']).where('user_id', '=', userId).where('role', '=', role).executeTakeFirst();
  return r && { uidvalidity: r.uidvalidity, lastUid: Number(r.last_uid) };
}

export async function setFolderState(db: Kysely<Schema>, owner: Owner, role: FolderRole, uidvalidity: string, lastUid: number, generation: number): Promise<boolean> {
  // Only for the mailbox as the session found it: a session still running after the user saved other
  // settings (saveMailbox cleared the folders' state) must not write its old mailbox's place there.
  return db.transaction().execute(async (trx) => {
    // A no-op write both checks the generation and locks the row (PostgreSQL), so a removal or new
    // settings (which write the row before clearing the folders) wait for this one or find it done.
    const held = await trx
      .updateTable('mailboxes')
      .set((eb) => ({ generation: eb.ref('generation') }))
      .where('user_id', '=', owner.userId)
      .where('account_id', '=', owner.accountId)
      .where('generation', '=', generation)
      .executeTakeFirst();
    if (!Number(held.numUpdatedRows)) return false;
    await trx
      .insertInto('mailbox_folders')
      .values({ user_id: owner.userId, account_id: owner.accountId, role, uidvalidity, last_uid: lastUid })
      .onConflict((oc) => oc.columns(['user_id', 'role']).doUpdateSet({ uidvalidity, last_uid: lastUid }))
      .execute();
    return true;
  });
}
