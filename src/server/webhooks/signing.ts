// Standard Webhooks signatures (https://www.standardwebhooks.com/, "Signature scheme"): the secret
// is `whsec_` + base64 of random bytes; each request carries `webhook-id`, `webhook-timestamp`
// (seconds) and `webhook-signature` = `v1,` + base64(HMAC-SHA256(secret bytes, "id.timestamp.body")).
// Receivers verify with any Standard Webhooks library (the README shows the `standardwebhooks` one).
import crypto from 'node:crypto';

const PREFIX = 'whsec_';

/** A new signing secret: 32 random bytes (the spec asks for 24 to 64). */
export function newWebhookSecret(): string {
  return PREFIX + crypto.randomBytes(32).toString('base64');
}

export function sign(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
  return 'v1,' + crypto.createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
}

/** The three headers of one attempt; the timestamp is the attempt's, the id the delivery's (the same on every retry). */
export function signedHeaders(secret: string, id: string, body: string, now = Date.now()): Record<string, string> {
  const ts = Math.floor(now / 1000);
  return { 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': sign(secret, id, ts, body) };
}
