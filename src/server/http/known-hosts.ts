// The names this server answers to, for pages that a DNS-rebinding page must not read (the dev
// mailbox). Such a page is served from a name its author controls, then made to resolve to
// 127.0.0.1: its requests come from this machine, so the client address cannot refuse them, but
// their Host header names the author's domain. Known: the loopback names and PUBLIC_URL's and
// ADDIN_URL's hosts, bare or with a port this server listens on (or the URL's own port).
import type { IncomingMessage } from 'node:http';
import type { Config } from '../config.js';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
/** `name[:port]` as RFC 9110 §7.2 allows it: a reg-name or an IP literal, nothing else (no userinfo,
 * no percent-encoding: browsers never send those). */
const HOST = /^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::(\d{1,5}))?$/i;

type HostConfig = Pick<Config, 'port' | 'httpsPort' | 'publicUrl' | 'addinUrl' | 'trustProxy'>;

/**
 * Says whether every host a request names is one of ours: its one Host header (RFC 9112 §3.2: two
 * are an error; Node keeps the first, a proxy might use the other), the authority of an absolute-form
 * target (which RFC 9112 §3.2.2 puts before Host) and, behind a trusted proxy, each X-Forwarded-Host
 * entry — a client-written one can only make the request less welcome.
 */
export function knownHosts(config: Partial<HostConfig>): (req: IncomingMessage) => boolean {
  const known = new Set<string>();
  const add = (name: string, ports: Array<number | undefined>) => {
    known.add(name);
    for (const p of ports) if (p) known.add(`${name}:${p}`);
  };
  const listeners = [config.port, config.httpsPort];
  for (const name of LOOPBACK_NAMES) add(name, listeners);
  for (const base of [config.publicUrl, config.addinUrl]) {
    if (!base) continue;
    const url = new URL(base);
    add(canonicalHost(url.hostname) ?? url.hostname, [...listeners, Number(url.port || (url.protocol === 'https:' ? 443 : 80))]);
  }
  return (req) => {
    const named = namedHosts(req, config.trustProxy === true);
    return named !== undefined && named.every((h) => known.has(canonicalHost(h.trim()) ?? ''));
  };
}

/** The hosts a request names; undefined when it has no Host header or more than one. */
function namedHosts(req: IncomingMessage, trustProxy: boolean): string[] | undefined {
  const hostLines = req.rawHeaders.filter((v, i) => i % 2 === 0 && v.toLowerCase() === 'host').length;
  if (hostLines !== 1) return undefined;
  const named = [req.headers.host ?? ''];
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(req.url ?? '');
  if (absolute) named.push(absolute[1]);
  if (trustProxy) named.push(...String(req.headers['x-forwarded-host'] ?? '').split(',').filter((h) => h.trim()));
  return named;
}

/** `name[:port]` as the URL parser writes it (lower case, `127.1` → `127.0.0.1`, `[0::1]` → `[::1]`),
 * without a trailing dot (`localhost.` is `localhost`); undefined when it is not a host. */
function canonicalHost(value: string): string | undefined {
  const m = HOST.exec(value);
  if (!m) return undefined;
  const name = m[1].startsWith('[') ? m[1] : m[1].replace(/\.$/, '');
  const port = m[2] === undefined ? undefined : Number(m[2]);
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  if (!URL.canParse(`http://${name}/`)) return undefined;
  const hostname = new URL(`http://${name}/`).hostname;
  return port === undefined ? hostname : `${hostname}:${port}`;
}
