// The SMTP listener. Protocol mechanics belong to nodemailer's smtp-server; what we accept is decided
// by the rules passed in, so this file stays about sockets and TLS.
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { Logger } from '../logger.js';

export interface SmtpListenOptions {
  host: string;
  port: number;
  cert: string;
  key: string;
  hostname: string;
  logger: Logger;
  options: Partial<SMTPServerOptions>;
  /** Implicit TLS (port 465 style) instead of STARTTLS. */
  implicitTls?: boolean;
  /**
   * A PROXY protocol header (HAProxy's, version 1) comes first and names the client: from every peer
   * (true) or from the listed balancer addresses only. A connection that should send one and does not
   * is closed before the greeting.
   */
  proxyProtocol?: boolean | string[];
}

export interface SmtpListener {
  server: SMTPServer;
  port: number;
  close(): Promise<void>;
}

// smtp-server derives the enhanced status code (RFC 3463) from the reply code alone, so every 550
// says 5.1.1, "bad destination mailbox". A refusal on policy grounds must say 5.7.1 ("delivery not
// authorized"), or clients and their users look for a typo. A reply the rules start with "5.7.1 "
// (rules.ts `reply(…, '5.7.1')`) is sent with smtp-server's own policy context instead.
export type PolicyCode = '5.7.1';
const POLICY_CONTEXT: Record<PolicyCode, string> = { '5.7.1': 'POLICY_VIOLATION' };
const EXPLICIT = /^(5\.7\.1) ([\s\S]*)$/;

type Sender = { send(code: number, data: unknown, context?: unknown): void };

const PATCHED = Symbol('mailbeacon explicit codes');

/**
 * smtp-server does not export its connection class, so its prototype is reached through the first
 * connection and its `send` wrapped once, for every connection of every listener after it (the first
 * one included: it has no `send` of its own). Until then, each connect looks for that first one.
 */
function sendExplicitCodes(server: SMTPServer): void {
  const internals = server as unknown as { connect(socket: unknown, options: unknown): void; connections: Set<Sender> };
  const connect = internals.connect.bind(server);
  internals.connect = (socket, options) => {
    connect(socket, options);
    const first = internals.connections.values().next().value;
    const proto = first && (Object.getPrototypeOf(first) as Sender & { [PATCHED]?: true });
    if (!proto || proto[PATCHED]) return;
    const send = proto.send;
    proto.send = function (this: Sender, code, data, context) {
      const m = context === undefined && typeof data === 'string' ? EXPLICIT.exec(data) : null;
      if (m) send.call(this, code, m[2], POLICY_CONTEXT[m[1] as PolicyCode]);
      else send.call(this, code, data, context);
    };
    proto[PATCHED] = true;
  };
}

export async function listenSmtp(o: SmtpListenOptions): Promise<SmtpListener> {
  const server = new SMTPServer({
    name: o.hostname,
    banner: 'Mailbeacon ready',
    hideENHANCEDSTATUSCODES: false,
    secure: !!o.implicitTls,
    key: o.key,
    cert: o.cert,
    logger: false,
    // The default of 10 s would cut short the drain of a large message on shutdown.
    closeTimeout: 30_000,
    useProxy: o.proxyProtocol ?? false,
    ...o.options,
  });
  sendExplicitCodes(server);
  server.on('error', (err) => o.logger.warn({ err }, 'smtp connection error'));
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const address = server.server.address();
  return {
    server,
    port: typeof address === 'object' && address ? address.port : o.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
