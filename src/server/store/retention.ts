// Retention (docs/product.md §13): what an account keeps only for `retentionDays`, deleted in small
// batches, each its own short transaction, so that no lock is held for long and the server keeps
// answering. Counters stay: events are folded into `event_rollups` before they go.
import { type Kysely, sql } from 'kysely';
import type { Schema } from '../db/schema.js';

const n = (r: { numDeletedRows?: bigint } | undefined) => Number(r?.numDeletedRows ?? 0);

export async function accountsForRetention(db: Kysely<Schema>): Promise<Array<{ id: string; retentionDays: number }>> {
  const rows = await db.selectFrom('accounts').select(['id', 'retention_days']).orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, retentionDays: Number(r.retention_days) }));
}

/** Up to `limit` of the account's events created before `cutoff`: counted into rollups, then deleted with their notifications. */
export async function sweepEvents(db: Kysely<Schema>, accountId: string, cutoff: number, limit: number): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('email_events')
      .select(['id', 'campaign_id', 'type', 'filtered', 'recipient'])
      .where('created', '<', cutoff)
      .where('account_id', '=', accountId)
      .orderBy('created')
      .limit(limit)
      .execute();
    if (!rows.length) return 0;
    await addRollups(
      trx,
      rows.map((r) => ({ account_id: accountId, campaign_id: Number(r.campaign_id ?? 0), type: r.type, filtered: Number(r.filtered), recipient: r.recipient, total: 1 })),
    );
    const ids = rows.map((r) => r.id);
    await trx.deleteFrom('notifications').where('event_id', 'in', ids).execute();
    return n(await trx.deleteFrom('email_events').where('id', 'in', ids).executeTakeFirst());
  });
}

/** Up to `limit` messages accepted before `cutoff` with nothing left to deliver: bodies, deliveries and send statuses. */
export async function sweepMessages(db: Kysely<Schema>, accountId: string, cutoff: number, limit: number): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const queued = trx.selectFrom('deliveries').select('message_id').where('status', '=', 'QUEUED');
    const rows = await trx
      .selectFrom('messages')
      .select('id')
      .where('created_at', '<', cutoff)
      .where('account_id', '=', accountId)
      .where('id', 'not in', queued)
      .orderBy('created_at')
      .limit(limit)
      .execute();
    if (!rows.length) return 0;
    const ids = rows.map((r) => r.id);
    await trx.deleteFrom('send_statuses').where('account_id', '=', accountId).where('message_id', 'in', ids).execute();
    await trx.deleteFrom('deliveries').where('message_id', 'in', ids).execute();
    return n(await trx.deleteFrom('messages').where('id', 'in', ids).executeTakeFirst());
  });
}

/** Up to `limit` send statuses requested before `cutoff` that never queued mail (refused sends) or are complete. */
export async function sweepSendStatuses(db: Kysely<Schema>, accountId: string, cutoff: number, limit: number): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('send_statuses')
      .select('id')
      .where('account_id', '=', accountId)
      .where('requested_at', '<', cutoff)
      .where('status', 'in', ['COMPLETE', 'CANCELED'])
      .limit(limit)
      .execute();
    if (!rows.length) return 0;
    return n(await trx.deleteFrom('send_statuses').where('id', 'in', rows.map((r) => r.id)).executeTakeFirst());
  });
}

/** Up to `limit` logged emails logged before `cutoff`, with their attachments (and content no one else uses). */
export async function sweepLoggedEmails(db: Kysely<Schema>, accountId: string, cutoff: number, limit: number): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const rows = await trx.selectFrom('logged_emails').select('id').where('created_at', '<', cutoff).where('account_id', '=', accountId).orderBy('created_at').limit(limit).execute();
    return deleteLoggedEmails(trx, accountId, rows.map((r) => r.id));
  });
}

/** Up to `limit` notifications from before `cutoff` (their events are gone or going). */
export async function sweepNotifications(db: Kysely<Schema>, accountId: string, cutoff: number, limit: number): Promise<number> {
  const rows = await db.selectFrom('notifications').select('seq').where('account_id', '=', accountId).where('at', '<', cutoff).limit(limit).execute();
  if (!rows.length) return 0;
  return n(await db.deleteFrom('notifications').where('seq', 'in', rows.map((r) => r.seq)).executeTakeFirst());
}

/** Up to `limit` stored contents that no attachment points at (left by a crash, or by older versions). */
export async function sweepOrphanBlobs(db: Kysely<Schema>, limit: number): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('blobs')
      .select(['account_id', 'sha256'])
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('attachments').select('id').whereRef('attachments.account_id', '=', 'blobs.account_id').whereRef('attachments.sha256', '=', 'blobs.sha256'))),
      )
      .limit(limit)
      .execute();
    for (const r of rows) await deleteBlob(trx, r.account_id, r.sha256);
    return rows.length;
  });
}

/** Deletes the account's contents among `shas` that no attachment points at any more. */
export async function deleteUnreferencedBlobs(trx: Kysely<Schema>, accountId: string, shas: string[]): Promise<number> {
  let deleted = 0;
  for (const sha of new Set(shas)) {
    const used = await trx.selectFrom('attachments').select('id').where('account_id', '=', accountId).where('sha256', '=', sha).limit(1).executeTakeFirst();
    if (!used) deleted += await deleteBlob(trx, accountId, sha);
  }
  return deleted;
}

async function deleteBlob(trx: Kysely<Schema>, accountId: string, sha: string): Promise<number> {
  await trx.deleteFrom('blob_chunks').where('account_id', '=', accountId).where('sha256', '=', sha).execute();
  return n(await trx.deleteFrom('blobs').where('account_id', '=', accountId).where('sha256', '=', sha).executeTakeFirst());
}

/**
 * Takes or renews the lease `name` for `owner` until `until`; false while another owner holds it.
 * One process at a time runs the sweeps (several share a PostgreSQL database).
 */
export async function takeLease(db: Kysely<Schema>, name: string, owner: string, until: number, now: number): Promise<boolean> {
  const row = await db
    .insertInto('leases')
    .values({ name, owner, until })
    .onConflict((oc) =>
      oc
        .column('name')
        .doUpdateSet({ owner, until })
        .where((eb) => eb.or([eb('leases.until', '<', now), eb('leases.owner', '=', owner)])),
    )
    .returning('owner')
    .executeTakeFirst();
  return row?.owner === owner;
}

export async function releaseLease(db: Kysely<Schema>, name: string, owner: string): Promise<void> {
  await db.deleteFrom('leases').where('name', '=', name).where('owner', '=', owner).execute();
}

/** Adds counts to rollups (summing into rows that exist). */
export async function addRollups(trx: Kysely<Schema>, given: Array<Schema['event_rollups']>): Promise<void> {
  // One row per key: PostgreSQL refuses an upsert that touches a row twice.
  const merged = new Map<string, Schema['event_rollups']>();
  for (const r of given) {
    const key = JSON.stringify([r.campaign_id, r.type, r.filtered, r.recipient]);
    const had = merged.get(key);
    merged.set(key, had ? { ...had, total: Number(had.total) + Number(r.total) } : { ...r, total: Number(r.total) });
  }
  const rows = [...merged.values()];
  for (let i = 0; i < rows.length; i += 200) {
    await trx
      .insertInto('event_rollups')
      .values(rows.slice(i, i + 200))
      .onConflict((oc) => oc.columns(['account_id', 'campaign_id', 'type', 'filtered', 'recipient']).doUpdateSet({ total: sql`event_rollups.total + excluded.total` }))
      .execute();
  }
}

/** Deletes logged emails with their links and attachments, and content no attachment uses any more. */
export async function deleteLoggedEmails(trx: Kysely<Schema>, accountId: string, ids: string[]): Promise<number> {
  if (!ids.length) return 0;
  const shas = (await trx.selectFrom('attachments').select('sha256').where('account_id', '=', accountId).where('logged_email_id', 'in', ids).execute()).map((r) => r.sha256);
  await trx.deleteFrom('attachments').where('logged_email_id', 'in', ids).execute();
  await trx.deleteFrom('logged_email_contacts').where('logged_email_id', 'in', ids).execute();
  const res = await trx.deleteFrom('logged_emails').where('account_id', '=', accountId).where('id', 'in', ids).executeTakeFirst();
  await deleteUnreferencedBlobs(trx, accountId, shas);
  return n(res);
}
