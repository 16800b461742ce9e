// The data behind the open/click classifier: user-agent tokens, referer hosts and address ranges,
// each with where it comes from. Entries marked "lore" are practitioner knowledge (blog posts,
// other projects' filters) rather than something the vendor publishes; they only ever add weight
// or a reason, they never decide a verdict on their own.
import { type Address, compileRanges, firstMatch } from '../../shared/ip-ranges.js';

export interface UaSignal { pattern: RegExp; name: string }

export function matchUa(list: readonly UaSignal[], ua: string): UaSignal | undefined {
  return list.find((s) => s.pattern.test(ua));
}

// ---- user agents ---------------------------------------------------------------------------

/** Image proxies that fetch on a real open: counted, but the device behind them is unknown. */
export const MAIL_PROXY_UAS: readonly UaSignal[] = [
  // Gmail: "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
  // Google Workspace admin help "Images in Gmail"; Mailgun/Mautic treat it as a proxied open (mautic#16069).
  { pattern: /GoogleImageProxy/, name: 'Gmail image proxy (GoogleImageProxy)' },
  // Yahoo: "YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html" (Yahoo help SLN28749).
  { pattern: /YahooMailProxy/, name: 'Yahoo Mail image proxy (YahooMailProxy)' },
];

// Gmail's delivery-time prefetcher: "… Chrome/42.0.2311.135 Safari/537.36 Edge/12.246 Mozilla/5.0"
// (mautic/mautic PR #10245 on GitHub). isbot calls it human.
export const GMAIL_PREFETCH_UA: UaSignal = {
  pattern: /Chrome\/42\.0\.2311\.135 .*Edge\/12\.246/, name: 'Gmail prefetch bot (Chrome/42 Edge/12.246)',
};

// Security products announcing themselves. Vendors do not document these strings; the tokens are
// the ones public bot filters match (e.g. the lists in mautic/mautic and in the isbot package:
// Barracuda, Mimecast, Proofpoint, IronPort, Sophos, Trend Micro, Forcepoint…) — lore, but a product name in a UA is not something a person sends.
export const SCANNER_UAS: readonly UaSignal[] = [
  { pattern: /Barracuda/i, name: 'Barracuda' },
  { pattern: /Mimecast/i, name: 'Mimecast' },
  { pattern: /Proofpoint/i, name: 'Proofpoint' },
  { pattern: /IronPort|Cisco[ -]?(?:ESA|Secure ?Email)/i, name: 'Cisco IronPort' },
  { pattern: /Sophos/i, name: 'Sophos' },
  { pattern: /Trend ?Micro/i, name: 'Trend Micro' },
  { pattern: /Forcepoint|Websense/i, name: 'Forcepoint' },
  { pattern: /Symantec|MessageLabs/i, name: 'Symantec' },
  { pattern: /FireEye|Trellix/i, name: 'Trellix/FireEye' },
  { pattern: /Check ?Point|Avanan/i, name: 'Check Point' },
  // Google's Safe Browsing fetcher for links in Gmail ("Google-Safety"); isbot lists it as a crawler.
  { pattern: /Google-Safety/, name: 'Google Safe Browsing (Google-Safety)' },
];

// Automation and link-preview fetchers. isbot (omrilotan/isbot, installed) knows most of these too;
// naming them here gives readable reasons and keeps them BOT even if isbot's list changes.
export const BOT_UAS: readonly UaSignal[] = [
  { pattern: /HeadlessChrome/, name: 'headless Chrome' },
  { pattern: /PhantomJS/, name: 'PhantomJS' },
  { pattern: /Chrome-Lighthouse|Lighthouse/, name: 'Lighthouse' },
  { pattern: /python-requests|python-urllib|aiohttp|httpx|Scrapy/i, name: 'Python HTTP client' },
  { pattern: /^curl\//i, name: 'curl' },
  { pattern: /^Wget\//i, name: 'Wget' },
  { pattern: /Go-http-client/, name: 'Go HTTP client' },
  { pattern: /^Java\/|Apache-HttpClient|Jakarta Commons/, name: 'Java HTTP client' },
  { pattern: /node-fetch|^axios\/|^undici|^got \(|^node$/i, name: 'Node.js HTTP client' },
  { pattern: /libwww-perl|^LWP::/, name: 'Perl HTTP client' },
  { pattern: /PostmanRuntime|insomnia/i, name: 'API tool' },
  // Office asks whether a link exists before handing it to the browser (HEAD/OPTIONS); the
  // browser's own request follows and is the one that counts.
  { pattern: /Microsoft Office (?:Existence|Protocol) Discovery/, name: 'Office link pre-check' },
  { pattern: /Slackbot|Slack-ImgProxy/, name: 'link preview (Slack)' },
  { pattern: /facebookexternalhit|Facebot|meta-externalagent/, name: 'link preview (Facebook)' },
  { pattern: /Twitterbot/, name: 'link preview (X/Twitter)' },
  { pattern: /Discordbot/, name: 'link preview (Discord)' },
  { pattern: /WhatsApp\//, name: 'link preview (WhatsApp)' },
  { pattern: /TelegramBot/, name: 'link preview (Telegram)' },
  { pattern: /LinkedInBot/, name: 'link preview (LinkedIn)' },
  { pattern: /SkypeUriPreview|MicrosoftPreview/, name: 'link preview (Teams/Skype)' },
  { pattern: /BingPreview/, name: 'link preview (Bing)' },
  { pattern: /Googlebot|AdsBot-Google|Google-InspectionTool|GoogleOther/, name: 'Google crawler' },
];

// Mail clients whose UA isbot's catch-all "single product token" rule flags (isbot 5.2.3 says bot
// for "Microsoft Outlook 16.0.x" and "Outlook-Android/2.0"). Checked only after the lists above.
export const MAIL_CLIENT_UA =
  /Microsoft Outlook|MSOffice|ms-office|Outlook-(?:iOS|Android)|Thunderbird|Airmail|Postbox|eM Client|Mailbird|BlueMail|Mailspring|Canary Mail|K-9 Mail|FairEmail|Evolution\/|Claws Mail/;

// ---- referers ------------------------------------------------------------------------------

export interface RefererSignal { host: RegExp; name: string }

// A person who clicks a rewritten link is 302-redirected by the wrapper, and a redirect keeps the
// original (usually empty) referrer. A Referer naming the wrapper therefore means a page was
// rendered on the wrapper's host and fetched our URL from there: the scanner's own browser.
export const SCANNER_REFERERS: readonly RefererSignal[] = [
  // learn.microsoft.com "Safe Links in Microsoft Defender for Office 365": nam01.safelinks.protection.outlook.com/?url=…
  { host: /(?:^|\.)safelinks\.protection\.outlook\.com$/, name: 'Microsoft Safe Links' },
  // Same service in US government clouds (lore: seen in wrapped URLs, not in the main article).
  { host: /(?:^|\.)safelinks\.protection\.office365\.us$/, name: 'Microsoft Safe Links (GCC)' },
  // Proofpoint URL Defense: v1/v2 urldefense.proofpoint.com, v3 urldefense.com (Proofpoint TAP docs).
  { host: /^urldefense\.(?:proofpoint\.)?com$/, name: 'Proofpoint URL Defense' },
  // Barracuda Link Protection rewrites to linkprotect.cudasvc.com (Barracuda Campus "Link Protection").
  { host: /^linkprotect\.cudasvc\.com$/, name: 'Barracuda Link Protection' },
  // Mimecast URL Protect: protect-us/-eu/-au/-za/-de.mimecast.com and *.mimecastprotect.com.
  { host: /^protect-[a-z0-9]+\.mimecast\.com$|(?:^|\.)mimecastprotect\.com$/, name: 'Mimecast URL Protect' },
  // Cisco Secure Email (IronPort) URL rewriting: secure-web.cisco.com (Cisco ESA user guide).
  { host: /^secure-web\.cisco\.com$/, name: 'Cisco Secure Email' },
  // Sophos Email Time-of-Click: <region>.protection.sophos.com (Sophos Central docs).
  { host: /(?:^|\.)protection\.sophos\.com$/, name: 'Sophos Time-of-Click' },
  // Trend Micro click-time protection: *-ctp.trendmicro.com (lore: seen in rewritten URLs).
  { host: /(?:^|[.-])ctp\.trendmicro\.com$/, name: 'Trend Micro Click-Time Protection' },
  // Symantec Email Security.cloud Click-Time URL Protection: clicktime.symantec.com (lore).
  { host: /^clicktime\.symantec\.com$/, name: 'Symantec Click-Time Protection' },
];

export function matchReferer(referer: string | undefined): { host: string; name: string } | undefined {
  const host = hostOf(referer);
  const hit = host ? SCANNER_REFERERS.find((s) => s.host.test(host)) : undefined;
  return hit && host ? { host, name: hit.name } : undefined;
}

function hostOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

// ---- address ranges ------------------------------------------------------------------------

/**
 * apple: MPP's fetchers; google/yahoo: their mail proxies; mail-security: mail gateways, which
 * never browse for a person; cloud: big providers' general ranges, where real people also sit
 * (Cloud PCs, VDI, corporate egress) — weak on their own.
 */
export type RangeRole = 'apple' | 'google' | 'yahoo' | 'mail-security' | 'cloud';
export interface IpRange { cidr: string; owner: string; role: RangeRole; lore?: true }

export const IP_RANGES: readonly IpRange[] = [
  // Apple: 17.0.0.0/8 is registered to Apple Inc. (ARIN NET-17-0-0-0-0). MPP prefetches come from
  // Apple's infrastructure (wordtothewise.com 2021-09 "Apple MPP reporting and geolocation").
  // Private Relay's partner egress (developer.apple.com "Prepare your network for iCloud Private
  // Relay", egress-ip-ranges.csv) is not listed: it changes often and carries real browsing too.
  { cidr: '17.0.0.0/8', owner: 'Apple', role: 'apple' },

  // Google: mail netblocks from _netblocks.google.com (support.google.com/a/answer/60764). That the
  // GoogleImageProxy fetches from 66.249.80.0/20 and 66.102.0.0/20 in particular is lore.
  { cidr: '66.249.80.0/20', owner: 'Google', role: 'google' },
  { cidr: '66.102.0.0/20', owner: 'Google', role: 'google' },
  { cidr: '64.233.160.0/19', owner: 'Google', role: 'google' },
  { cidr: '72.14.192.0/18', owner: 'Google', role: 'google' },
  { cidr: '74.125.0.0/16', owner: 'Google', role: 'google' },
  { cidr: '209.85.128.0/17', owner: 'Google', role: 'google' },
  { cidr: '216.239.32.0/19', owner: 'Google', role: 'google' },
  { cidr: '2001:4860:4000::/36', owner: 'Google', role: 'google' },
  { cidr: '2607:f8b0:4000::/36', owner: 'Google', role: 'google' },
  { cidr: '2a00:1450:4000::/36', owner: 'Google', role: 'google' },

  // Microsoft Exchange Online Protection / Defender for Office 365: spf.protection.outlook.com and
  // "Microsoft 365 URLs and IP address ranges" (learn.microsoft.com), Exchange Online mail rows.
  { cidr: '40.92.0.0/15', owner: 'Microsoft EOP', role: 'mail-security' },
  { cidr: '40.107.0.0/16', owner: 'Microsoft EOP', role: 'mail-security' },
  { cidr: '52.100.0.0/14', owner: 'Microsoft EOP', role: 'mail-security' },
  { cidr: '104.47.0.0/17', owner: 'Microsoft EOP', role: 'mail-security' },
  { cidr: '2a01:111:f400::/48', owner: 'Microsoft EOP', role: 'mail-security' },
  { cidr: '2a01:111:f403::/48', owner: 'Microsoft EOP', role: 'mail-security' },
  // Microsoft more broadly. 40.64.0.0/10 is registered to Microsoft (ARIN) and holds Azure; Safe
  // Links detonation clicks from 40.94.x are lore (gophish#2115, Adobe Marketo's bot IP list).
  // 52.96.0.0/12 is Exchange Online (Microsoft 365 list); 2a01:111::/32 is Microsoft's IPv6 block
  // (a practitioner blog names it for Defender: lore).
  { cidr: '40.64.0.0/10', owner: 'Microsoft', role: 'cloud' },
  { cidr: '52.96.0.0/12', owner: 'Microsoft', role: 'cloud' },
  { cidr: '2a01:111::/32', owner: 'Microsoft', role: 'cloud', lore: true },

  // Yahoo (ARIN: Yahoo/Oath); that YahooMailProxy fetches from them is lore.
  { cidr: '98.136.0.0/14', owner: 'Yahoo', role: 'yahoo', lore: true },
  { cidr: '74.6.0.0/16', owner: 'Yahoo', role: 'yahoo', lore: true },
  { cidr: '67.195.0.0/16', owner: 'Yahoo', role: 'yahoo', lore: true },

  // Mail-security vendors' gateway ranges, as customers are told to allow-list them. Their click
  // scanners may run elsewhere, so these are lore for *scanning*.
  // Proofpoint (pphosted) gateways, e.g. Proofpoint Essentials allow-list instructions.
  { cidr: '148.163.128.0/19', owner: 'Proofpoint', role: 'mail-security', lore: true },
  { cidr: '67.231.144.0/20', owner: 'Proofpoint', role: 'mail-security', lore: true },
  // Mimecast "Data Centers and URLs" (US and UK grids).
  { cidr: '205.139.110.0/24', owner: 'Mimecast', role: 'mail-security', lore: true },
  { cidr: '207.211.30.0/24', owner: 'Mimecast', role: 'mail-security', lore: true },
  { cidr: '216.205.24.0/24', owner: 'Mimecast', role: 'mail-security', lore: true },
  { cidr: '170.10.128.0/22', owner: 'Mimecast', role: 'mail-security', lore: true },
  { cidr: '91.220.42.0/24', owner: 'Mimecast', role: 'mail-security', lore: true },
  // Barracuda Email Security Service, US instance (Barracuda Campus "Barracuda Email Security Service IP Ranges").
  { cidr: '64.235.144.0/20', owner: 'Barracuda', role: 'mail-security', lore: true },
  { cidr: '209.222.80.0/21', owner: 'Barracuda', role: 'mail-security', lore: true },
];

const KNOWN_RANGES = compileRanges(IP_RANGES);

export function findRange(addr: Address | undefined): IpRange | undefined {
  return firstMatch(KNOWN_RANGES, addr);
}
