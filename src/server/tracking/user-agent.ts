// User-agent reading for the open/click classifier and for HubSpot's Email Events fields
// (`browser`, `deviceType`). Only shape questions live here; the lists of named products
// (proxies, scanners, bots) live in signals.ts.
import type { Verdict } from '../../shared/api.js';
import { BOT_UAS, GMAIL_PREFETCH_UA, MAIL_CLIENT_UA, MAIL_PROXY_UAS, SCANNER_UAS, matchUa } from './signals.js';
import { isbot } from 'isbot';

export type DeviceType = 'COMPUTER' | 'MOBILE' | 'TABLET';
export interface BrowserInfo { name: string; family: string; producer?: string; version?: string[] }
export interface DeviceFields { browser?: BrowserInfo; deviceType?: DeviceType }

// isbot runs one large regular expression (microseconds a call); hits repeat a few user agents.
const crawlerSeen = new Map<string, boolean>();

/**
 * isbot says crawler, and it is not a mail client: isbot is a crawler list and also flags mail
 * clients with plain product-token user agents. Remembered for the most recent user agents.
 */
export function isCrawler(ua: string): boolean {
  let known = crawlerSeen.get(ua);
  if (known === undefined) {
    if (crawlerSeen.size >= 5000) crawlerSeen.clear();
    crawlerSeen.set(ua, (known = !MAIL_CLIENT_UA.test(ua) && isbot(ua)));
  }
  return known;
}

/** Apple MPP's fetcher sends exactly this and nothing else (as Mailgun's and SocketLabs' public notes on Apple Mail Privacy Protection describe). */
export function isBareMozilla(ua: string): boolean {
  return /^Mozilla\/5\.0$/.test(ua.trim());
}

/**
 * Apple Mail (macOS, iOS, iPadOS) identifies as plain WebKit: no Safari/Version/Chrome token.
 * MPP's proxy reuses the same string, so the UA alone cannot tell a prefetch from a real open.
 */
export function isAppleMailUa(ua: string): boolean {
  return /^Mozilla\/5\.0 \((?:Macintosh|iPhone|iPad|iPod)[^)]*\) AppleWebKit\/[\d.]+ \(KHTML, like Gecko\)/.test(ua)
    && !/(?:Safari|Version|Chrome|CriOS|FxiOS|EdgiOS|Firefox|OPR)\//.test(ua);
}

/** Claims to be a browser engine: the only kind of UA whose request shape we can judge. */
export function isBrowserLike(ua: string): boolean {
  return /^Mozilla\/5\.0 \(/.test(ua) && /AppleWebKit\/|Gecko\/|Trident\//.test(ua);
}

export function chromeMajor(ua: string): number | undefined {
  const m = /(?:^|[^\w])(?:Chrome|CriOS)\/(\d+)\./.exec(ua);
  return m ? Number(m[1]) : undefined;
}

// Chrome 100 shipped 2022-03-29; since then one major every 4 weeks, plus holiday gaps.
// Estimating from the hit's own time keeps "stale" meaningful without a hard-coded version.
const CHROME_100 = Date.UTC(2022, 2, 29);
const MS_PER_RELEASE = 30 * 86_400_000;

export function expectedChromeMajor(at: number): number {
  return 100 + Math.floor((at - CHROME_100) / MS_PER_RELEASE);
}

/** Majors behind the estimated stable Chrome at `at` (~1 major a month); undefined when not Chrome. */
export function chromeVersionsBehind(ua: string, at: number): number | undefined {
  const major = chromeMajor(ua);
  return major === undefined ? undefined : expectedChromeMajor(at) - major;
}

/** Chrome's last release for an OS it no longer supports: frozen there, not out of date. */
export function lastChromeFor(ua: string): number | undefined {
  // Chrome 109 (January 2023) was the last for Windows 7/8/8.1 (Google Chrome Enterprise release notes).
  return /Windows NT 6\.[123]/.test(ua) ? 109 : undefined;
}

export function osLabel(ua: string): string {
  if (/Windows NT 10\.0/.test(ua)) return 'Windows 10/11';
  if (/Windows NT 6\.[123]/.test(ua)) return 'Windows 7/8';
  if (/Android/.test(ua)) return 'Android';
  if (/iPhone|iPad|iPod/.test(ua)) return 'iOS';
  if (/Macintosh/.test(ua)) return 'macOS';
  if (/CrOS/.test(ua)) return 'ChromeOS';
  if (/Linux|X11/.test(ua)) return 'Linux';
  return 'an unknown OS';
}

// ---- HubSpot Email Events: browser + deviceType ------------------------------------------------

interface BrowserRule { pattern: RegExp; family: string; producer: string }

// First match wins: embedders before engines (Edge and Samsung carry a Chrome token, Outlook on
// Windows may carry Trident, Android WebView carries Chrome and Version).
const BROWSERS: BrowserRule[] = [
  { pattern: /Microsoft Outlook[ /](\d+(?:\.\d+)*)/, family: 'Microsoft Outlook', producer: 'Microsoft Corporation' },
  { pattern: /Microsoft Office\/(\d+(?:\.\d+)*)[^)]*Outlook/, family: 'Microsoft Outlook', producer: 'Microsoft Corporation' },
  { pattern: /MSOffice (\d+)/, family: 'Microsoft Outlook', producer: 'Microsoft Corporation' },
  { pattern: /Outlook-(?:iOS|Android)\/([\w.]+)/, family: 'Microsoft Outlook', producer: 'Microsoft Corporation' },
  { pattern: /Thunderbird\/([\d.]+)/, family: 'Thunderbird', producer: 'Mozilla Foundation' },
  { pattern: /Edg(?:e|A|iOS)?\/([\d.]+)/, family: 'Microsoft Edge', producer: 'Microsoft Corporation' },
  { pattern: /SamsungBrowser\/([\d.]+)/, family: 'Samsung Internet', producer: 'Samsung Electronics' },
  { pattern: /OPR\/([\d.]+)/, family: 'Opera', producer: 'Opera Software' },
  { pattern: /; wv\).*Chrome\/([\d.]+)/, family: 'Android WebView', producer: 'Google LLC' },
  { pattern: /(?:Chrome|CriOS)\/([\d.]+)/, family: 'Google Chrome', producer: 'Google LLC' },
  { pattern: /(?:Firefox|FxiOS)\/([\d.]+)/, family: 'Firefox', producer: 'Mozilla Foundation' },
  { pattern: /Version\/([\d.]+).*Safari\//, family: 'Safari', producer: 'Apple Inc.' },
  { pattern: /(?:MSIE |Trident\/.*rv:)(\d+(?:\.\d+)?)/, family: 'Internet Explorer', producer: 'Microsoft Corporation' },
];

function browserOf(ua: string): BrowserInfo | undefined {
  for (const rule of BROWSERS) {
    const m = rule.pattern.exec(ua);
    if (m?.[1]) return { name: `${rule.family} ${m[1]}`, family: rule.family, producer: rule.producer, version: [m[1]] };
  }
  // Apple Mail has no version token of its own.
  if (isAppleMailUa(ua)) return { name: 'Apple Mail', family: 'Apple Mail', producer: 'Apple Inc.' };
  return undefined;
}

function deviceTypeOf(ua: string): DeviceType | undefined {
  if (/iPad|Tablet|Kindle|Silk\/|PlayBook/i.test(ua)) return 'TABLET';
  // Outlook's apps send no OS section; assume a phone (iPad builds say "ipad" above).
  if (/Outlook-(?:iOS|Android)\//.test(ua)) return 'MOBILE';
  if (/Android/.test(ua) && !/Mobile/.test(ua)) return 'TABLET'; // Android tablets drop "Mobile"
  if (/iPhone|iPod|Android|Mobile|Windows Phone/i.test(ua)) return 'MOBILE';
  if (/Windows|Macintosh|X11|Linux|CrOS/.test(ua)) return 'COMPUTER';
  return undefined;
}

/** A fetcher rather than a person's device: describing it would invent device data. */
function isFetcher(ua: string): boolean {
  return isBareMozilla(ua) || [MAIL_PROXY_UAS, SCANNER_UAS, BOT_UAS].some((list) => matchUa(list, ua) !== undefined)
    || GMAIL_PREFETCH_UA.pattern.test(ua) || isCrawler(ua);
}

/**
 * HubSpot Email Events `browser`/`deviceType` for a user agent. Nothing for proxies, scanners and
 * bots (docs/product.md §5: MAIL_PROXY is counted but carries no device data); pass the verdict to also drop
 * it for every non-HUMAN event (an MPP prefetch uses the Apple Mail UA but is no one's device).
 */
export function describeUserAgent(ua: string | undefined, verdict?: Verdict): DeviceFields {
  if (!ua?.trim() || (verdict !== undefined && verdict !== 'HUMAN') || isFetcher(ua)) return {};
  const out: DeviceFields = {};
  const browser = browserOf(ua);
  const deviceType = deviceTypeOf(ua);
  if (browser) out.browser = browser;
  if (deviceType) out.deviceType = deviceType;
  return out;
}
