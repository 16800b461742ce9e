// The one place tracking is applied, for every way of sending (SMTP API, single send, the add-in's
// one-to-one mail): links through signed click URLs, an open pixel, and an invisible honeypot link
// that only machines follow. The rewriting itself is src/shared/tracking (byte-preserving).
import type { LinkSummary, PixelPosition } from '../../shared/api.js';
import { rewriteHtml, type RewriteResult } from '../../shared/tracking/rewrite.js';
import { scanHtml } from '../../shared/tracking/scan.js';
import { MimeMessage } from '../mime/message.js';
import type { MailRef, TrackingSigner } from './tokens.js';

export interface TrackOptions {
  ref: MailRef;
  /** Scheme and host of tracking URLs: PUBLIC_URL, or the account's custom tracking domain. */
  base: string;
  pixel: boolean;
  position: PixelPosition;
}

export function pixelUrl(signer: TrackingSigner, base: string, ref: MailRef): string {
  return `${base}/t/o/${signer.sign({ k: 'o', r: ref })}.gif`;
}

/** A 1×1 image with width and height set, styled so no client gives it room. */
export function pixelTag(url: string): string {
  return `<img src="${url}" width="1" height="1" alt="" border="0" style="height:1px!important;width:1px!important;border-width:0!important;margin:0!important;padding:0!important" />`;
}

function honeypotTag(signer: TrackingSigner, base: string, ref: MailRef): string {
  return `<a href="${base}/t/c/${signer.sign({ k: 'h', r: ref })}" style="display:none!important" aria-hidden="true" tabindex="-1"></a>`;
}

export function trackHtml(html: string, signer: TrackingSigner, o: TrackOptions): RewriteResult & { pixelUrl: string } {
  const url = pixelUrl(signer, o.base, o.ref);
  const result = rewriteHtml(html, {
    trackLink: (u, i) => `${o.base}/t/c/${signer.sign({ k: 'c', r: o.ref, i, u })}`,
    pixel: o.pixel ? { html: pixelTag(url), position: o.position } : undefined,
    honeypot: honeypotTag(signer, o.base, o.ref),
  });
  return { ...result, pixelUrl: url };
}

export type TrackedBody = { html: string; links: LinkSummary; pixelUrl: string } | { tooManyLinks: number };

/** trackHtml for a body a client sent, which may hold at most `maxLinks` links (tags with an href). */
export function trackBody(html: string, signer: TrackingSigner, o: TrackOptions, maxLinks: number): TrackedBody {
  // Counted before any link is judged or signed: signing is what a body's links cost.
  const count = scanHtml(html).links.length;
  if (count > maxLinks) return { tooManyLinks: count };
  const { html: tracked, links, pixelUrl } = trackHtml(html, signer, o);
  return { html: tracked, links, pixelUrl };
}

/** Tracks every inline HTML part of a raw message; text parts and attachments are left alone. */
export function trackMessage(raw: Buffer, signer: TrackingSigner, o: TrackOptions): Buffer {
  const message = MimeMessage.parse(raw);
  let first = true;
  // One pixel per message: only the first HTML part gets it (alternatives are the same content).
  const changed = message.transformHtml((html) => {
    const out = trackHtml(html, signer, { ...o, pixel: o.pixel && first }).html;
    first = false;
    return out;
  });
  return changed ? message.toBuffer() : raw;
}
