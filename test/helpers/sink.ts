// A real SMTP server standing in for the relay (RELAY_URL): keeps what it receives, and can be told
// to refuse, fail temporarily, stall, drop connections, or go away and come back on the same port.
import { SMTPServer } from 'smtp-server';
import { freePort } from './ports.js';

export interface SinkMessage {
  from: string;
  to: string[];
  raw: Buffer;
  messageId: string | undefined;
  at: number;
}

export type SinkMode = 'accept' | 'tempfail' | 'permfail-rcpt' | 'permfail-data' | 'stall' | 'drop';

export interface Sink {
  port: number;
  url: string;
  messages: SinkMessage[];
  mode: SinkMode;
  /** Resolves once at least `n` messages arrived. */
  waitFor(n: number, timeoutMs?: number): Promise<SinkMessage[]>;
  /** Stops listening (connections are refused) until `up()`. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export function header(raw: Buffer, name: string): string | undefined {
  const head = raw.toString('utf8').split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
  const m = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(head);
  return m?.[1].trim();
}

export async function startSink(opts: { port?: number; delayMs?: number } = {}): Promise<Sink> {
  const port = opts.port ?? (await freePort());
  let server: SMTPServer | undefined;
  const sink: Sink = {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages: [],
    mode: 'accept',
    async waitFor(n, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (sink.messages.length < n) {
        if (Date.now() > deadline) throw new Error(`sink got ${sink.messages.length} of ${n} messages`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return sink.messages;
    },
    down: () => {
      // Forget the server at once, so an up() while it is still closing starts a new one that stays known.
      const closing = server;
      server = undefined;
      return new Promise<void>((resolve) => (closing ? closing.close(() => resolve()) : resolve()));
    },
    up: () => listen(),
    close: () => sink.down(),
  };

  function listen(): Promise<void> {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo(address, _session, callback) {
        if (sink.mode === 'permfail-rcpt') return callback(Object.assign(new Error(`No such user <${address.address}>`), { responseCode: 550 }));
        callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const mode = sink.mode;
          if (mode === 'drop') {
            // Hang up without answering: the sender cannot know whether we kept it.
            for (const c of (server as unknown as { connections: Set<{ session: { id: string }; _socket: { destroy(): void } }> }).connections) {
              if (c.session.id === session.id) c._socket.destroy();
            }
            return;
          }
          if (mode === 'stall') return; // never answer
          if (mode === 'tempfail') return callback(Object.assign(new Error('Try again later'), { responseCode: 451 }));
          if (mode === 'permfail-data') return callback(Object.assign(new Error('Message content rejected'), { responseCode: 554 }));
          const raw = Buffer.concat(chunks);
          const finish = () => {
            sink.messages.push({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
              raw,
              messageId: header(raw, 'message-id'),
              at: Date.now(),
            });
            callback(null, 'stored');
          };
          if (opts.delayMs) setTimeout(finish, opts.delayMs);
          else finish();
        });
      },
    });
    server.on('error', () => {});
    return new Promise((resolve, reject) => {
      server!.server.once('error', reject);
      server!.listen(port, '127.0.0.1', () => resolve());
    });
  }

  await listen();
  return sink;
}
