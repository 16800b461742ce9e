// Each recipient's copy of a queued message, made just before it is relayed: tracking with that
// delivery's own signed tokens (so every open and click names its recipient), then a DKIM
// signature when the From: domain has a key (after tracking, so the signature covers the result).
import addressparser from 'nodemailer/lib/addressparser';
import { MimeMessage } from '../mime/message.js';
import type { Claimed, MessageRow } from '../store/queue.js';
import { trackMessage } from '../tracking/apply.js';
import type { TrackingUrls } from '../tracking/tracking-urls.js';
import type { DkimSigner } from './dkim.js';
import type { PrepareCopy } from './worker.js';

/** The domains of the addresses in a From: header value, lower-cased, in order. */
export function fromDomains(from: string | undefined): string[] {
  if (!from) return [];
  return addressparser(from, { flatten: true })
    .map((a) => a.address ?? '')
    .filter((a) => a.lastIndexOf('@') > 0)
    .map((a) => a.slice(a.lastIndexOf('@') + 1).toLowerCase());
}

/** The domain of the first From: address, lower-cased: the one DKIM signs for. */
export const fromDomain = (raw: Buffer): string | undefined => fromDomains(MimeMessage.parse(raw).headers.get('from'))[0];

export function copyPreparer(deps: { dkim: DkimSigner; tracking: TrackingUrls }): PrepareCopy {
  return async (message: MessageRow, delivery: Claimed) => {
    let raw = message.raw;
    // An erased recipient's copy is never tracked (docs/product.md §13).
    if (message.track && !delivery.pseudonym) {
      const base = await deps.tracking.baseFor(message.account_id);
      const position = message.pixel_position === 'top' ? 'top' : 'bottom';
      raw = trackMessage(raw, deps.tracking.signer, { ref: { d: delivery.id }, base, pixel: true, position });
    }
    return deps.dkim.sign(raw, fromDomain(raw), message.account_id);
  };
}
