// The dev mailbox (docs/product.md §2): with no RELAY_URL, delivered mail is kept under DATA_DIR and shown here
// as a mail client would — images load (the pixel records an open) and links go through the tracker.
// Only this machine may look at it, and only under a name the server knows (not a DNS-rebinding one).
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import libmime from 'libmime';
import { loadLater } from '../../load-later.js';
import type { AppContext } from '../app.js';
import { ApiError, notFound } from '../../errors.js';
import { MimeMessage } from '../../mime/message.js';
import { mailboxDir } from '../../queue/relay.js';
import { isLoopback } from '../../../shared/ip-ranges.js';
import { knownHosts } from '../known-hosts.js';

const FILE = /^\d+-[a-z0-9]+\.eml$/;
const LIST_LIMIT = 200;

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

interface Summary {
  file: string;
  subject: string;
  from: string;
  to: string;
  at: Date;
}

function summaries(dir: string): Summary[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => FILE.test(f))
    .sort()
    .reverse()
    .slice(0, LIST_LIMIT)
    .map((file) => {
      const head = readHead(path.join(dir, file));
      const h = MimeMessage.parse(head).headers;
      const decode = (v: string | undefined) => (v ? libmime.decodeWords(v) : '');
      return { file, subject: decode(h.get('subject')) || '(no subject)', from: decode(h.get('from')), to: h.get('delivered-to') ?? decode(h.get('to')), at: new Date(Number(file.split('-')[0])) };
    });
}

/** The header block only: enough for the list without reading large messages whole. */
function readHead(file: string): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(32 * 1024);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

function page(list: Summary[], selected: string | undefined): string {
  const items = list
    .map(
      (m) => `<a class="item${m.file === selected ? ' sel' : ''}" href="/dev/mailbox?m=${encodeURIComponent(m.file)}">
  <span class="subj">${esc(m.subject)}</span><span class="meta">${esc(m.from)} → ${esc(m.to)}</span><span class="meta">${esc(m.at.toLocaleString('en-GB'))}</span></a>`,
    )
    .join('\n');
  const chosen = list.find((m) => m.file === selected);
  const view = chosen
    ? `<header><h2>${esc(chosen.subject)}</h2><p><b>From</b> ${esc(chosen.from)}<br><b>To</b> ${esc(chosen.to)}<br><b>Delivered</b> ${esc(chosen.at.toUTCString())}</p></header>
<iframe title="Message" src="/dev/mailbox/${encodeURIComponent(chosen.file)}/html" sandbox="allow-popups allow-popups-to-escape-sandbox"></iframe>
<p class="raw"><a href="/dev/mailbox/${encodeURIComponent(chosen.file)}/raw">Download the raw message</a></p>`
    : `<p class="empty">${list.length ? 'Choose a message.' : 'No mail yet. Send some with the SMTP API, a single send or <code>npx mailbeacon demo</code>.'}</p>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Dev mailbox · Mailbeacon</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body{margin:0;font:14px/1.4 "Segoe UI",system-ui,sans-serif;color:#242424;display:flex;height:100vh}
  nav{width:340px;border-right:1px solid #e0e0e0;overflow:auto;flex:none}
  h1{font-size:16px;margin:0;padding:12px 16px;border-bottom:1px solid #e0e0e0}
  .item{display:flex;flex-direction:column;padding:10px 16px;border-bottom:1px solid #f0f0f0;color:inherit;text-decoration:none}
  .item:hover{background:#f5f5f5}.item.sel{background:#ebf3fc;border-left:3px solid #0f6cbd}
  .subj{font-weight:600}.meta{color:#616161;font-size:12px}
  main{flex:1;display:flex;flex-direction:column;min-width:0}
  header{padding:12px 16px;border-bottom:1px solid #e0e0e0}header h2{font-size:18px;margin:0 0 6px}header p{margin:0;color:#424242;font-size:13px}
  iframe{flex:1;border:0;width:100%}.raw{margin:0;padding:8px 16px;border-top:1px solid #e0e0e0;font-size:12px}
  .empty{padding:24px;color:#616161}
</style></head><body>
<nav aria-label="Delivered messages"><h1>Dev mailbox (${list.length})</h1>
${items}
</nav><main>${view}</main></body></html>`;
}

export default async function devMailbox(app: FastifyInstance, ctx: AppContext) {
  const dir = mailboxDir(ctx.config.dataDir);
  const known = knownHosts(ctx.config);
  const localOnly = (request: FastifyRequest) => {
    if (!isLoopback(request.ip)) throw new ApiError(403, 'UNAUTHORIZED', 'The dev mailbox is only shown on the machine the server runs on.');
    if (!known(request.raw)) {
      throw new ApiError(403, 'UNAUTHORIZED', "The dev mailbox answers only to this server's own names: open it at localhost, 127.0.0.1 or [::1] (or PUBLIC_URL's or ADDIN_URL's host).");
    }
  };
  const fileOf = (name: string) => {
    if (!FILE.test(name) || !fs.existsSync(path.join(dir, name))) throw notFound(`Message ${name}`);
    return path.join(dir, name);
  };

  /** The list of delivered messages, with the chosen one shown beside it. */
  app.get<{ Querystring: { m?: string } }>('/dev/mailbox', async (request, reply: FastifyReply) => {
    localOnly(request);
    const list = summaries(dir);
    const selected = list.some((m) => m.file === request.query.m) ? request.query.m : list[0]?.file;
    return reply.type('text/html; charset=utf-8').header('Cache-Control', 'no-store').send(page(list, selected));
  });

  /** One message's HTML as the recipient's mail client shows it (scripts off, links open a new tab). */
  app.get<{ Params: { name: string } }>('/dev/mailbox/:name/html', async (request, reply) => {
    localOnly(request);
    const { simpleParser } = loadLater('mailparser') as typeof import('mailparser');
    const mail = await simpleParser(fs.readFileSync(fileOf(request.params.name)));
    const body = mail.html || `<pre style="white-space:pre-wrap;font:14px/1.4 monospace">${esc(mail.text ?? '')}</pre>`;
    const withBase = /<head[^>]*>/i.test(body) ? body.replace(/<head[^>]*>/i, (h) => `${h}<base target="_blank">`) : `<base target="_blank">${body}`;
    return reply
      .type('text/html; charset=utf-8')
      .header('Cache-Control', 'no-store')
      // Shown in the list page's frame (framed by this origin only), itself sandboxed without scripts
      // and without its origin (`sandbox` here too, for when it is opened on its own): mail is
      // someone else's HTML and must not run as, or read from, an origin that holds a session.
      .header('Content-Security-Policy', "sandbox allow-popups allow-popups-to-escape-sandbox; script-src 'none'; object-src 'none'; frame-ancestors 'self'")
      .header('X-Frame-Options', 'SAMEORIGIN')
      .send(withBase);
  });

  /** The message exactly as delivered. */
  app.get<{ Params: { name: string } }>('/dev/mailbox/:name/raw', async (request, reply) => {
    localOnly(request);
    // The name is checked (fileOf) before it goes into a header: any other would be sent as it came.
    const file = fileOf(request.params.name);
    return reply.type('message/rfc822').header('Content-Disposition', `attachment; filename="${request.params.name}"`).send(fs.createReadStream(file));
  });
}
