// DKIM: keys are made by `mailbeacon domain add`; outgoing mail whose From: domain has a key owned by
// the sending account is signed on its way to the relay (after tracking changed the body, so the
// signature covers it). Another account's mail From: that domain is never signed with it.
import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import DKIM from 'nodemailer/lib/dkim';
import type { Schema } from '../db/schema.js';
import { getSendingDomain, type SendingDomain } from '../store/sending-domains.js';
import { normalizeDomain } from './domain-owner.js';

/** A new 2048-bit RSA key and the TXT record that publishes it. */
export function newDkimKey(domain: string, selector: string) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const spki = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  return {
    domain: domain.toLowerCase(),
    selector,
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    public_key: spki,
  };
}

export function dnsRecord(d: Pick<SendingDomain, 'domain' | 'selector' | 'public_key'>): { name: string; value: string } {
  return { name: `${d.selector}._domainkey.${d.domain}`, value: `v=DKIM1; k=rsa; p=${d.public_key}` };
}

// A found key is kept a minute; "no key" only two seconds, so a domain added with the CLI while
// servers run is signed almost at once.
const KEY_CACHE_MS = 60_000;
const MISS_CACHE_MS = 2_000;

export class DkimSigner {
  private cache = new Map<string, { at: number; domain: SendingDomain | undefined }>();

  constructor(private readonly db: Kysely<Schema>) {}

  /** Signs when the From: domain has a key that `accountId` owns; answers the message unchanged otherwise. */
  async sign(raw: Buffer, fromDomain: string | undefined, accountId: string): Promise<Buffer> {
    if (!fromDomain) return raw;
    const key = await this.keyFor(normalizeDomain(fromDomain));
    if (!key || key.account_id !== accountId) return raw;
    const signer = new DKIM({ domainName: key.domain, keySelector: key.selector, privateKey: key.private_key });
    const chunks: Buffer[] = [];
    for await (const chunk of signer.sign(raw)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  /** Sending domains changed (notify/changes.ts): keys are read again. */
  forget(): void {
    this.cache.clear();
  }

  private async keyFor(domain: string): Promise<SendingDomain | undefined> {
    const hit = this.cache.get(domain);
    if (hit && Date.now() - hit.at < (hit.domain ? KEY_CACHE_MS : MISS_CACHE_MS)) return hit.domain;
    const found = await getSendingDomain(this.db, domain);
    // Every From: domain a client writes gets an entry, found or not: keep the map bounded.
    if (this.cache.size >= 10_000) this.cache.clear();
    this.cache.set(domain, { at: Date.now(), domain: found });
    return found;
  }
}
