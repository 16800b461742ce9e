// The mailbox benchmark's lower bound (bench/mailbox.bench.mjs): what the server's main thread must do
// for each message besides reading it from IMAP — the parse (message.ts) and the logging in batches
// of 200 (log-email.ts, SQLite) — timed alone, in this process, on the same messages, after a warm-up
// round. No sockets, no IMAP, no other work: the least time the sync can take on one thread.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrate, openDatabase } from '../src/server/db/index.js';
import { logEmails } from '../src/server/logging/log-email.js';
import { parseMessage } from '../src/server/mailbox/message.js';
import { addUser } from '../src/server/store/users.js';

/** Best of `rounds` (after one warm-up) for parsing and for logging `raws`, in ms. */
export async function stageTimes(raws: (tag: string) => Buffer[], rounds = 3): Promise<{ parseMs: number; logMs: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mb-bench-stages-'));
  // As the server's connection: commits do not wait for the disk, and leave checkpoints to its background thread.
  const database = await openDatabase({ dataDir: dir, durableCommits: false });
  try {
    await migrate(database);
    const { user } = await addUser(database.db, { email: 'rep@mycorp.test', account: 'mycorp' });
    const author = { accountId: user.accountId, userId: user.id, email: user.email };
    let parseMs = Infinity;
    let logMs = Infinity;
    for (let round = 0; round <= rounds; round++) {
      const messages = raws(`stage${round}`); // new Message-IDs each round: nothing is a duplicate
      let t0 = performance.now();
      const parsed = [];
      for (const raw of messages) parsed.push(await parseMessage(raw, dir, () => '<none@bench>'));
      const parsing = performance.now() - t0;
      t0 = performance.now();
      for (let i = 0; i < parsed.length; i += 200) await logEmails({ database, inferOpen: async () => false }, author, parsed.slice(i, i + 200));
      const logging = performance.now() - t0;
      if (round > 0) {
        parseMs = Math.min(parseMs, parsing);
        logMs = Math.min(logMs, logging);
      }
    }
    return { parseMs, logMs };
  } finally {
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
