// A streamed message whose header block is bigger than mailparser takes (mailsplit refuses it, EMAXLEN):
// parseMessage rejects, the caller skips it, and nothing else rejects unhandled. Before, a second
// promise rejected with nobody waiting, which ends a Node process: one such message in Sent (or a
// reply naming tracked mail in the inbox) crashed the server at every restart.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/server/mailbox/message.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mb-hostile-message-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const head = 'From: ann@mycorp.test\r\nTo: ivy@acme.test\r\nMessage-ID: <huge@mycorp.test>\r\nSubject: hi\r\n';
const cases = {
  '50,000 header lines': `${head}${Array.from({ length: 50_000 }, (_, i) => `X-Junk-${i}: ${'v'.repeat(10)}\r\n`).join('')}\r\nbody\r\n`,
  'one 2 MB header line': `${head}X-Long: ${'A'.repeat(2 * 1024 * 1024)}\r\n\r\nbody\r\n`,
};

describe('a message with a header block over the parser’s limit', () => {
  for (const [name, raw] of Object.entries(cases)) {
    it(`${name}: rejected, and nothing is left to reject unhandled`, async () => {
      const unhandled: unknown[] = [];
      const listener = (reason: unknown) => unhandled.push(reason);
      process.on('unhandledRejection', listener);
      try {
        // Over 1 MB, as here, a message is streamed from the server to mailparser (session.ts, STREAM_OVER).
        await expect(parseMessage(Readable.from([Buffer.from(raw)]), dir, () => '<fallback@x>')).rejects.toThrow(/header/i);
        await new Promise((r) => setTimeout(r, 200));
        expect(unhandled).toEqual([]);
      } finally {
        process.off('unhandledRejection', listener);
      }
    });
  }
});
