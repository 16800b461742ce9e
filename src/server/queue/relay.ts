// Where accepted mail goes next: the smarthost of RELAY_URL over a pooled connection, or, with no
// relay configured, the dev mailbox (files under DATA_DIR, shown at /dev/mailbox).
import fs from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { hidePassword } from '../config.js';

export interface Envelope {
  from: string;
  to: string;
  deliveryId: string;
}

/** Why a relay attempt failed: `permanent` failures bounce, the others are retried. */
export class RelayError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    /** The recipient itself was refused (5.1.x / RCPT): its address gets suppressed. */
    readonly recipientRefused: boolean,
  ) {
    super(message);
  }
}

export interface Relay {
  describe: string;
  send(envelope: Envelope, raw: Buffer): Promise<string>;
  close(): Promise<void>;
}

interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
}

export function smtpRelay(url: string, opts: { poolSize: number; sourceIp?: string }): Relay {
  // Options in RELAY_URL's query (?socketTimeout=10000&tls.rejectUnauthorized=false) override these.
  const transport = nodemailer.createTransport({
    url,
    pool: true,
    maxConnections: opts.poolSize,
    maxMessages: 500,
    localAddress: opts.sourceIp,
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 120_000,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  return {
    describe: hidePassword(url),
    async send(envelope, raw) {
      try {
        const info = await transport.sendMail({ envelope: { from: envelope.from, to: [envelope.to] }, raw });
        return String(info.response ?? '250 OK');
      } catch (e) {
        throw classify(e as SmtpError);
      }
    },
    close: async () => transport.close(),
  };
}

function classify(e: SmtpError): RelayError {
  const code = e.responseCode;
  const text = (e.response ?? e.message).replace(/\s+/g, ' ').trim();
  // A 5xx about us (authentication at the relay, our sender) is our configuration, not the
  // recipient's fault: keep the mail and retry while the operator fixes it.
  if (code === undefined || code < 500 || e.code === 'EAUTH' || e.command === 'MAIL FROM' || /^5\d\d 5\.7\.8/.test(text)) {
    return new RelayError(text || String(e.code ?? 'connection failed'), false, false);
  }
  const recipient = e.code === 'EENVELOPE' || /\b5\.1\.\d\b/.test(text);
  return new RelayError(text, true, recipient);
}

/** The dev mailbox: each delivered copy is one .eml file, written durably. */
export function mailboxRelay(dataDir: string): Relay {
  const dir = mailboxDir(dataDir);
  fs.mkdirSync(dir, { recursive: true });
  return {
    describe: `dev mailbox ${dir}`,
    async send(envelope, raw) {
      const name = `${Date.now()}-${envelope.deliveryId}.eml`;
      // What a mailbox adds on final delivery: the envelope sender and recipient.
      const header = Buffer.from(`Return-Path: <${envelope.from}>\r\nDelivered-To: ${envelope.to}\r\n`);
      const tmp = path.join(dir, `.${name}.tmp`);
      const fd = fs.openSync(tmp, 'w');
      try {
        fs.writeSync(fd, header);
        fs.writeSync(fd, raw);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, path.join(dir, name));
      return `250 2.0.0 kept in the dev mailbox as ${name}`;
    },
    close: async () => {},
  };
}

/** Where delivered mail goes, for the start-up log line. */
export function describeRelay(config: { relayUrl?: string; dataDir: string }): string {
  return config.relayUrl ? hidePassword(config.relayUrl) : `dev mailbox ${mailboxDir(config.dataDir)}`;
}

export function mailboxDir(dataDir: string): string {
  return path.join(dataDir, 'mailbox');
}
