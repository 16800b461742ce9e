// Reading tracked mail as a recipient would: the tracker URLs in a delivered message, and requests
// shaped like a real browser's.
import { simpleParser } from 'mailparser';
import { expectedChromeMajor } from '../../src/server/tracking/user-agent.js';

export interface TrackerUrls {
  pixel: string;
  links: string[];
  honeypot: string;
  html: string;
}

/** The tracker URLs of a delivered message, pointed at `base` (the test server) instead of PUBLIC_URL. */
export async function trackerUrls(raw: Buffer, base?: string): Promise<TrackerUrls> {
  const html = String((await simpleParser(raw)).html || '');
  const move = (u: string) => (base ? u.replace(/^https?:\/\/[^/]+/, base) : u).replace(/&amp;/g, '&');
  const pixel = /<img src="([^"]*\/t\/o\/[^"]+)"/.exec(html)?.[1];
  const honeypot = /<a href="([^"]*\/t\/c\/[^"]+)"[^>]*aria-hidden="true"/.exec(html)?.[1];
  const links = [...html.matchAll(/<a href="([^"]*\/t\/c\/[^"]+)"(?![^>]*aria-hidden)/g)].map((m) => m[1]);
  if (!pixel || !honeypot) throw new Error(`no tracking in ${html.slice(0, 300)}`);
  return { pixel: move(pixel), links: links.map(move), honeypot: move(honeypot), html };
}

// A Chrome as current as the classifier expects today: an outdated one is a scanner signal.
export const CHROME = `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${expectedChromeMajor(Date.now())}.0.0.0 Safari/537.36`;

/** An image load by a desktop browser. */
export const imageHeaders = { 'user-agent': CHROME, accept: 'image/avif,image/webp,image/apng,image/*,*/*;q=0.8', 'accept-language': 'en-GB,en;q=0.9', 'sec-fetch-dest': 'image', 'sec-fetch-mode': 'no-cors', 'sec-fetch-site': 'cross-site' };

/** A person clicking a link in a browser: a top-level navigation. */
export const clickHeaders = {
  'user-agent': CHROME,
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'accept-language': 'en-GB,en;q=0.9',
  'sec-fetch-dest': 'document',
  'sec-fetch-mode': 'navigate',
  'sec-fetch-site': 'cross-site',
  'sec-fetch-user': '?1',
};

export function get(url: string, headers: Record<string, string> = {}, method = 'GET') {
  return fetch(url, { method, headers, redirect: 'manual' });
}
