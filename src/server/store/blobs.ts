// Attachment content, stored once per account and SHA-256, in 1 MB chunks: it goes in from a staged
// file and comes out as a stream, so no whole attachment is ever held in memory.
import fs from 'node:fs/promises';
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import { inFixedRuns } from './fixed-runs.js';

export const CHUNK_BYTES = 1024 * 1024;

export interface StagedContent {
  /** A file holding the bytes (already hashed while it was written). */
  path: string;
  /** Or the bytes themselves, for small content (no file then). */
  data?: Buffer;
  sha256: string;
  size: number;
}

/** Chunk rows per INSERT (within any database's limit on bound parameters), and the bytes one INSERT carries. */
const ROWS_PER_INSERT = 200;
const BYTES_PER_INSERT = 8 * CHUNK_BYTES;

/**
 * Stores each content the account does not have yet: a batch's blobs go in together, in statements of
 * fixed sizes (a mailbox backfill stores hundreds at a time), then the new ones' chunks. Answers the sha256s
 * that were new. Run it in a transaction.
 */
export async function storeBlobs(trx: Kysely<Schema>, accountId: string, contents: StagedContent[]): Promise<Set<string>> {
  const unique = [...new Map(contents.map((c) => [c.sha256, c])).values()];
  const now = Date.now();
  const inserted = await inFixedRuns(unique, (run) =>
    trx
      .insertInto('blobs')
      .values(run.map((c) => ({ account_id: accountId, sha256: c.sha256, size: c.size, created_at: now })))
      .onConflict((oc) => oc.columns(['account_id', 'sha256']).doNothing())
      .returning('sha256')
      .execute(),
  );
  const fresh = new Set(inserted.map((r) => r.sha256));
  let held: Array<{ account_id: string; sha256: string; seq: number; data: Buffer }> = [];
  let heldBytes = 0;
  const flush = async () => {
    if (held.length) await trx.insertInto('blob_chunks').values(held).execute();
    held = [];
    heldBytes = 0;
  };
  for (const c of unique) {
    if (!fresh.has(c.sha256)) continue;
    if (!c.data) {
      await storeFile(trx, accountId, c);
      continue;
    }
    for (let seq = 0; seq * CHUNK_BYTES < c.data.length; seq++) {
      const data = c.data.subarray(seq * CHUNK_BYTES, (seq + 1) * CHUNK_BYTES);
      if (held.length >= ROWS_PER_INSERT || heldBytes + data.length > BYTES_PER_INSERT) await flush();
      held.push({ account_id: accountId, sha256: c.sha256, seq, data });
      heldBytes += data.length;
    }
  }
  await flush();
  return fresh;
}

/** A staged file's chunks, read one at a time. */
async function storeFile(trx: Kysely<Schema>, accountId: string, content: StagedContent): Promise<void> {
  const file = await fs.open(content.path, 'r');
  try {
    for (let seq = 0; ; seq++) {
      const data = Buffer.alloc(CHUNK_BYTES);
      const { bytesRead } = await file.read(data, 0, CHUNK_BYTES, seq * CHUNK_BYTES);
      if (!bytesRead) break;
      await trx.insertInto('blob_chunks').values({ account_id: accountId, sha256: content.sha256, seq, data: data.subarray(0, bytesRead) }).execute();
    }
  } finally {
    await file.close();
  }
}

/** The content's chunks in order, read one at a time. */
export async function* readBlob(db: Kysely<Schema>, accountId: string, sha256: string): AsyncGenerator<Buffer> {
  for (let seq = 0; ; seq++) {
    const row = await db.selectFrom('blob_chunks').select('data').where('account_id', '=', accountId).where('sha256', '=', sha256).where('seq', '=', seq).executeTakeFirst();
    if (!row) return;
    yield row.data;
  }
}
