// Attachment content, stored once per account and SHA-256, in 1 MB chunks: it goes in from a staged
// file and comes out as a stream, so no whole attachment is ever held in memory.
import fs from 'node:fs/promises';
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';

export const CHUNK_BYTES = 1024 * 1024;

export interface StagedContent {
  /** A file holding the bytes (already hashed while it was written). */
  path: string;
  /** Or the bytes themselves, for small content (no file then). */
  data?: Buffer;
  sha256: string;
  size: number;
}

/** Stores the content unless the account has it already; true when it was new. Run it in a transaction. */
export async function storeBlob(trx: Kysely<Schema>, accountId: string, content: StagedContent): Promise<boolean> {
  const inserted = await trx
    .insertInto('blobs')
    .values({ account_id: accountId, sha256: content.sha256, size: content.size, created_at: Date.now() })
    .onConflict((oc) => oc.columns(['account_id', 'sha256']).doNothing())
    .returning('sha256')
    .executeTakeFirst();
  if (!inserted) return false;
  if (content.data) {
    for (let seq = 0; seq * CHUNK_BYTES < content.data.length; seq++) {
      await trx.insertInto('blob_chunks').values({ account_id: accountId, sha256: content.sha256, seq, data: content.data.subarray(seq * CHUNK_BYTES, (seq + 1) * CHUNK_BYTES) }).execute();
    }
    return true;
  }
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
  return true;
}

/** The content's chunks in order, read one at a time. */
export async function* readBlob(db: Kysely<Schema>, accountId: string, sha256: string): AsyncGenerator<Buffer> {
  for (let seq = 0; ; seq++) {
    const row = await db.selectFrom('blob_chunks').select('data').where('account_id', '=', accountId).where('sha256', '=', sha256).where('seq', '=', seq).executeTakeFirst();
    if (!row) return;
    yield row.data;
  }
}
