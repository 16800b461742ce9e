// What the SMTP API accepts (docs/product.md §4), as smtp-server callbacks: who may log in, which senders and
// recipients pass, and when a message counts as accepted (only once it is durably queued).
import type { SMTPServerOptions, SMTPServerSession } from 'smtp-server';
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import type { Logger } from '../logger.js';
import { isNewId, verifySlowHash } from '../secrets.js';
import type { Acceptor } from '../queue/accept.js';
import type { LoginThrottle } from '../security/login-throttle.js';
import { isLoopback } from '../../shared/ip-ranges.js';
import { currentPasswordHash, findSmtpToken } from '../store/smtp-tokens.js';
import { suppressedAmong } from '../store/suppressions.js';
import { prepareIncoming } from './incoming.js';
import type { PolicyCode } from './server.js';
import { domainOf, isAddress } from '../../shared/addresses.js';
import { fromDomains } from '../queue/copy.js';
import { foreignOwnedDomain } from '../queue/domain-owner.js';

export interface SmtpUser {
  tokenId: string;
  accountId: string;
  campaignId: number;
  createContact: boolean;
  /** The password hash at login: a reset changes it, which ends this login. */
  passwordHash: string;
}

export interface SmtpRulesDeps {
  db: Kysely<Schema>;
  acceptor: Acceptor;
  logger: Logger;
  hostname: string;
  maxBytes: number;
  maxRecipients?: number;
  /** Failed logins, counted per (client address, token). */
  throttle: LoginThrottle;
  /**
   * Connections come through a balancer (the PROXY protocol): a loopback client is then on the
   * balancer's machine, with a network between it and us, so it gets no cleartext AUTH either.
   */
  behindProxy?: boolean;
}

/** An error that smtp-server answers with `code` (the enhanced status code is added by smtp-server). */
export function reply(code: number, message: string, enhanced?: PolicyCode): Error & { responseCode: number } {
  return Object.assign(new Error(enhanced ? `${enhanced} ${message}` : message), { responseCode: code });
}


const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function smtpRules(deps: SmtpRulesDeps): Partial<SMTPServerOptions> {
  const { db, logger, throttle } = deps;
  const maxRecipients = deps.maxRecipients ?? 100;
  /** Where AUTH may come before STARTTLS: only on this machine, where nobody can listen in. */
  const mayAuthInClear = (session: SMTPServerSession) => session.secure || (!deps.behindProxy && isLoopback(session.remoteAddress));

  /** The session's token, re-read at every MAIL, RCPT and end of DATA, so a reset or deleted token stops working at once. */
  async function currentUser(session: SMTPServerSession): Promise<SmtpUser> {
    const user = session.user as SmtpUser | undefined;
    if (!user) {
      throw reply(530, mayAuthInClear(session)
        ? 'Authentication required: log in with AUTH using an SMTP token id and password'
        : 'Authentication required: issue STARTTLS, then AUTH with an SMTP token id and password');
    }
    const hash = await currentPasswordHash(db, user.tokenId);
    if (!hash) throw reply(535, 'This SMTP token was deleted; create a new one and log in again');
    if (hash !== user.passwordHash) throw reply(535, "This SMTP token's password was reset; log in again with the new one");
    return user;
  }

  return {
    authMethods: ['PLAIN', 'LOGIN'],
    // Checked per connection below: cleartext AUTH is allowed on loopback only.
    allowInsecureAuth: true,
    size: deps.maxBytes,
    authRequiredMessage: 'Authentication required: log in with AUTH using an SMTP token id and password',

    onConnect(session, callback) {
      // Remote clients do not even see AUTH until the connection is encrypted.
      if (!mayAuthInClear(session)) session.disabledCommands = ['AUTH'];
      callback();
    },

    onSecure(_socket, session, callback) {
      session.disabledCommands = undefined;
      callback();
    },

    onAuth(auth, session, callback) {
      const address = session.remoteAddress;
      const tokenId = auth.username ?? '';
      // The username only when it looks like a token id: clients that swap the two fields send the password there.
      const logged = { smtpSession: session.id, address, tokenId: isNewId(tokenId) ? tokenId : '(not a token id)' };
      void (async () => {
        if (!mayAuthInClear(session)) throw reply(538, 'Encryption required: issue STARTTLS before AUTH');
        const attempt = await throttle.begin(address, tokenId);
        try {
          if (attempt.lockedMs > 0) {
            logger.info(logged, 'SMTP login refused: too many failed logins for this address and token');
            throw reply(454, `Too many failed logins; try again in ${Math.ceil(attempt.lockedMs / 1000)} s`);
          }
          const token = tokenId ? await findSmtpToken(db, tokenId) : undefined;
          const ok = token ? await verifySlowHash(auth.password ?? '', token.passwordHash) : false;
          if (token && ok) return token;
          await attempt.failed();
        } finally {
          attempt.end();
        }
        logger.info(logged, 'SMTP login failed');
        // Slows down guessing at a token (or at many tokens from one address); a right password never waits.
        if (attempt.failureDelayMs) await sleep(attempt.failureDelayMs);
        throw reply(535, 'Authentication failed: use an SMTP token id as the username and its password');
      })().then(
        (token) => {
          const user: SmtpUser = { tokenId: token.id, accountId: token.accountId, campaignId: token.campaignId, createContact: token.createContact, passwordHash: token.passwordHash };
          callback(null, { user });
        },
        (err) => {
          if (err instanceof Error && 'responseCode' in err) return callback(err);
          logger.error({ err }, 'SMTP login check failed');
          callback(reply(454, 'Temporary authentication failure; try again shortly'));
        },
      );
    },

    onMailFrom(address, session, callback) {
      void (async () => {
        const user = await currentUser(session);
        if (!address.address) throw reply(553, 'A sender address is required (MAIL FROM cannot be empty here)');
        if (!isAddress(address.address)) throw reply(553, `Sender address <${address.address}> is not a valid address`);
        await refuseForeignDomain(db, user.accountId, [domainOf(address.address)]);
        const declared = typeof address.args === 'object' && typeof address.args.SIZE === 'string' ? Number(address.args.SIZE) : 0;
        if (declared > deps.maxBytes) throw reply(552, `Message size exceeds the limit of ${deps.maxBytes} bytes`);
      })().then(() => callback(), (err) => callback(withCode(err, logger)));
    },

    onRcptTo(address, session, callback) {
      void (async () => {
        const user = await currentUser(session);
        if (!isAddress(address.address)) throw reply(553, `Recipient address <${address.address}> is not a valid address`);
        if (session.envelope.rcptTo.length >= maxRecipients) throw reply(452, `Too many recipients: at most ${maxRecipients} per message; send the rest in another message`);
        const suppressed = await suppressedAmong(db, user.accountId, [address.address]);
        if (suppressed.size) throw reply(550, `<${address.address}> bounced before and is suppressed; mail to it is not sent`);
      })().then(() => callback(), (err) => callback(withCode(err, logger)));
    },

    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= deps.maxBytes) chunks.push(chunk); // past the limit nothing more is kept
      });
      stream.on('end', () => {
        void (async () => {
          if (stream.sizeExceeded || size > deps.maxBytes) throw reply(552, `Message size exceeds the limit of ${deps.maxBytes} bytes; nothing was stored`);
          const user = await currentUser(session);
          const incoming = prepareIncoming(Buffer.concat(chunks), { hostname: deps.hostname, session });
          if (!incoming.ok) throw reply(554, incoming.error);
          await refuseForeignDomain(db, user.accountId, fromDomains(incoming.from));
          const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
          const queued = await deps.acceptor.accept({
            accountId: user.accountId,
            source: 'SMTP',
            campaignId: user.campaignId,
            tokenId: user.tokenId,
            mailFrom,
            recipients: session.envelope.rcptTo.map((r) => r.address),
            raw: incoming.raw,
            subject: incoming.subject,
            messageIdHeader: incoming.messageId,
            createContacts: user.createContact,
            track: true,
            pixelPosition: incoming.pixelPosition,
          });
          logger.info({ smtpSession: session.id, messageId: queued.messageId, recipients: queued.deliveries.length, bytes: incoming.raw.length }, 'SMTP message queued');
          return `Queued as ${queued.messageId}`;
        })().then((message) => callback(null, message), (err) => callback(withCode(err, logger)));
      });
    },
  };
}

/** 550 5.7.1 when a sender domain (envelope or From:) belongs to another account (queue/domain-owner.ts). */
async function refuseForeignDomain(db: Kysely<Schema>, accountId: string, domains: string[]): Promise<void> {
  for (const domain of new Set(domains)) {
    const owned = await foreignOwnedDomain(db, accountId, domain);
    if (owned) throw reply(550, `Sender domain ${domain} belongs to another Mailbeacon account (${owned}); send from a domain of your own`, '5.7.1');
  }
}

/** Our refusals keep their code; anything else (the database is down) is a temporary 451. */
function withCode(err: unknown, logger: Logger): Error {
  if (err instanceof Error && 'responseCode' in err) return err;
  logger.error({ err }, 'SMTP command failed');
  return reply(451, 'Temporary failure on our side; nothing was stored, try again shortly');
}
