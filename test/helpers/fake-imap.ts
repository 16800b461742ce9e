// A fake IMAP server over TLS, for the tests that need a mail server to misbehave in ways Dovecot
// cannot (garbage, silence, refusals): the socket plumbing, the line splitting and the ordinary
// answers live here; each test answers the commands it cares about and hands the rest to ordinary().
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { selfSignedCert } from './self-signed.js';

export const CAPABILITIES = 'IMAP4rev1 IDLE';

/** One command line from the client: its tag, its command and first argument (upper case), the whole line. */
export interface Command {
  tag: string;
  cmd: string;
  sub: string;
  line: string;
  /** Writes to the client while the socket is writable (a cut connection is not an error here). */
  write(s: string): void;
  socket: tls.TLSSocket;
}

/** Anyone logs in; INBOX and a \Sent folder; a selected folder is empty; IDLE; LOGOUT; OK to anything else (and nothing to IDLE's DONE). */
export function ordinary(c: Command, capabilities = CAPABILITIES): void {
  const { tag, cmd, write } = c;
  if (c.line === 'DONE') return;
  if (cmd === 'CAPABILITY') write(`* CAPABILITY ${capabilities}\r\n${tag} OK done\r\n`);
  else if (cmd === 'LOGIN') write(`${tag} OK [CAPABILITY ${capabilities}] logged in\r\n`);
  else if (cmd === 'LIST') write(`* LIST (\\HasNoChildren) "/" INBOX\r\n* LIST (\\HasNoChildren \\Sent) "/" Sent\r\n${tag} OK done\r\n`);
  else if (cmd === 'SELECT' || cmd === 'EXAMINE') write(`* 0 EXISTS\r\n* OK [UIDVALIDITY 7]\r\n* OK [UIDNEXT 1]\r\n${tag} OK [READ-ONLY] done\r\n`);
  else if (cmd === 'IDLE') write('+ idling\r\n');
  else if (cmd === 'LOGOUT') {
    write(`* BYE\r\n${tag} OK bye\r\n`);
    c.socket.end();
  } else if (tag) write(`${tag} OK done\r\n`);
}

export interface FakeImap {
  port: number;
  /** The self-signed certificate to trust (MAILBOX_TLS_CA). */
  certFile: string;
  /** Connections accepted so far, and those still open. */
  connections: number;
  open: Set<tls.TLSSocket>;
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1; each connection is greeted with `capabilities` and its command lines go to the
 * answerer `onConnection` makes for it (one per connection, so it can keep that connection's state).
 */
export async function startFakeImap(onConnection: (socket: tls.TLSSocket) => (c: Command) => void, capabilities = CAPABILITIES): Promise<FakeImap> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mb-fake-imap-'));
  const { keyFile, certFile } = selfSignedCert(dir);
  const open = new Set<tls.TLSSocket>();
  let connections = 0;
  const server = tls.createServer({ key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile) }, (socket) => {
    connections++;
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => {});
    const answer = onConnection(socket);
    const write = (s: string) => void (socket.writable && socket.write(s));
    write(`* OK [CAPABILITY ${capabilities}] ready\r\n`);
    let buf = '';
    socket.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      let nl: number;
      while ((nl = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        const [tag, cmd = '', sub = ''] = line.split(' ');
        answer({ tag, cmd: cmd.toUpperCase(), sub: sub.toUpperCase(), line, write, socket });
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as { port: number }).port,
    certFile,
    get connections() {
      return connections;
    },
    open,
    async close() {
      for (const s of open) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
