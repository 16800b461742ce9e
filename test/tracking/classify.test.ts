import { describe, expect, it } from 'vitest';
import {
  classify, describeUserAgent, findScannerBursts, type Hit, type Verdict,
} from '../../src/server/tracking/classify.js';

// ---- fixtures ------------------------------------------------------------------------------

const SENT = Date.UTC(2026, 6, 1, 9, 0, 0);
const S = 1_000;
const MIN = 60 * S;
const HOME_IP = '73.15.22.4'; // a residential address in none of the known ranges

const UA = {
  chromeWin: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/150.0.0.0 Safari/537.36',
  edgeWin: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/150.0.0.0 Safari/537.36 Edg/150.0.3240.50',
  chromeMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/150.0.0.0 Safari/537.36',
  chromeAndroid: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/150.0.0.0 Mobile Safari/537.36',
  chromeAndroidTablet: 'Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/150.0.0.0 Safari/537.36',
  chrome109Win7: 'Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Safari/537.36',
  chrome80Win10: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/80.0.3987.132 Safari/537.36',
  safariIphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  safariIpad: 'Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  outlookDesktop: 'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17928; Pro)',
  outlookAndroid: 'Outlook-Android/2.0',
  appleMailMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)',
  appleMailIos: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  thunderbird: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Thunderbird/128.3.0',
  samsungEmail: 'Mozilla/5.0 (Linux; Android 14; SM-S921B Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/149.0.7827.61 Mobile Safari/537.36',
  gmailProxy: 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)',
  yahooProxy: 'YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html',
  gmailPrefetch: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/42.0.2311.135 Safari/537.36 Edge/12.246 Mozilla/5.0',
  headless: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/150.0.0.0 Safari/537.36',
};

type Headers = Record<string, string | undefined>;

/** A browser's top-level navigation after a person clicked a link. */
const NAV: Headers = {
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8',
  'accept-language': 'en-US,en;q=0.9',
  'sec-fetch-site': 'cross-site',
  'sec-fetch-mode': 'navigate',
  'sec-fetch-dest': 'document',
  'sec-fetch-user': '?1',
};
/** The same navigation without user activation: what a scanner's browser sends. */
const NAV_UNACTIVATED: Headers = { ...NAV, 'sec-fetch-user': undefined };
/** A browser loading the pixel as an image inside webmail. */
const IMG: Headers = {
  accept: 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8',
  'accept-language': 'en-US,en;q=0.9',
  'sec-fetch-site': 'cross-site',
  'sec-fetch-mode': 'no-cors',
  'sec-fetch-dest': 'image',
};
const APPLE_MAIL_IMG: Headers = { accept: 'image/webp,image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5', 'accept-language': 'en-GB,en;q=0.9' };

interface Opts { headers?: Headers; ip?: string; after?: number; method?: string; honeypot?: boolean; self?: Hit['self'] }

function hit(kind: Hit['kind'], ua: string | undefined, o: Opts = {}): Hit {
  return {
    kind,
    method: o.method ?? 'GET',
    ip: o.ip ?? HOME_IP,
    headers: { ...(o.headers ?? (kind === 'CLICK' ? NAV : IMG)), 'user-agent': ua },
    at: SENT + (o.after ?? 5 * MIN),
    sentAt: SENT,
    honeypot: o.honeypot,
    self: o.self,
  };
}
const open = (ua: string | undefined, o?: Opts) => hit('OPEN', ua, o);
const click = (ua: string | undefined, o?: Opts) => hit('CLICK', ua, o);

interface Row { client: string; hit: Hit; verdict: Verdict; reason?: RegExp }

// ---- the table -----------------------------------------------------------------------------

const ROWS: Row[] = [
  // Real people.
  { client: 'Outlook desktop (classic, Windows) loads the pixel', hit: open(UA.outlookDesktop, { headers: { accept: '*/*' } }), verdict: 'HUMAN' },
  { client: 'Outlook desktop hands a click to Edge (external open: Sec-Fetch-Site none)', hit: click(UA.edgeWin, { headers: { ...NAV, 'sec-fetch-site': 'none' } }), verdict: 'HUMAN', reason: /user-activated/ },
  { client: 'new Outlook / OWA in Edge loads the pixel', hit: open(UA.edgeWin, { headers: { ...IMG, referer: 'https://outlook.office.com/' } }), verdict: 'HUMAN' },
  { client: 'new Outlook / OWA in Edge: click', hit: click(UA.edgeWin, { headers: { ...NAV, referer: 'https://outlook.office.com/' } }), verdict: 'HUMAN' },
  { client: 'Apple Mail on macOS, MPP off, from a home IP (same UA as MPP)', hit: open(UA.appleMailMac, { headers: APPLE_MAIL_IMG }), verdict: 'HUMAN' },
  { client: 'Apple Mail on iOS from a home IP, 2 s after delivery (reading pane already open)', hit: open(UA.appleMailIos, { headers: APPLE_MAIL_IMG, after: 2 * S }), verdict: 'HUMAN' },
  { client: 'Gmail web in Chrome: click with Sec-Fetch headers', hit: click(UA.chromeWin, { headers: { ...NAV, referer: 'https://mail.google.com/' } }), verdict: 'HUMAN' },
  { client: 'Thunderbird loads the pixel', hit: open(UA.thunderbird, { headers: { accept: 'image/avif,image/webp,*/*', 'accept-language': 'de' } }), verdict: 'HUMAN' },
  { client: 'Android Gmail app: click opens a Chrome custom tab', hit: click(UA.chromeAndroid), verdict: 'HUMAN' },
  { client: 'Samsung Email (Android WebView) loads the pixel', hit: open(UA.samsungEmail, { headers: { accept: 'image/avif,image/webp,image/apng,image/*,*/*;q=0.8', 'x-requested-with': 'com.samsung.android.email.provider' } }), verdict: 'HUMAN' },
  { client: 'Outlook for Android (isbot wrongly says bot)', hit: open(UA.outlookAndroid, { headers: { accept: 'image/*' } }), verdict: 'HUMAN' },
  { client: 'iOS Mail hands a click to Safari', hit: click(UA.safariIphone, { headers: { ...NAV, 'sec-fetch-site': 'none' } }), verdict: 'HUMAN' },

  // Over-filtering guards: one weak signal must not turn a person into a scanner (Mautic #16069).
  { client: 'Chrome click 40 s after delivery with full navigation headers', hit: click(UA.chromeWin, { after: 40 * S }), verdict: 'HUMAN', reason: /user-activated/ },
  { client: 'Chrome click 5 s after delivery: someone waiting for a password reset', hit: click(UA.chromeWin, { after: 5 * S }), verdict: 'HUMAN', reason: /weak signals only.*5 s after delivery/ },
  { client: 'Chrome in a Windows 365 Cloud PC (Azure address)', hit: click(UA.chromeWin, { ip: '40.80.12.34', after: 3 * MIN }), verdict: 'HUMAN', reason: /Microsoft's range/ },
  { client: 'Chrome 109 stuck on Windows 7', hit: click(UA.chrome109Win7, { after: MIN }), verdict: 'HUMAN', reason: /Chrome 109 on Windows 7\/8, the last Chrome for that OS/ },
  { client: "a person clicking through Safe Links' warning page (user-activated)", hit: click(UA.chromeWin, { headers: { ...NAV, referer: 'https://nam12.safelinks.protection.outlook.com/?url=x' } }), verdict: 'HUMAN', reason: /clicked through its page/ },
  { client: 'Gmail image proxy open 5 min after delivery is counted', hit: open(UA.gmailProxy, { headers: { accept: '*/*' } }), verdict: 'MAIL_PROXY' },

  // Mail image proxies: counted, no device data.
  { client: 'Gmail GoogleImageProxy from Google mail range', hit: open(UA.gmailProxy, { ip: '66.249.84.17', headers: { accept: '*/*' } }), verdict: 'MAIL_PROXY', reason: /address 66\.249\.x in Google's range \(66\.249\.80\.0\/20\)/ },
  { client: 'Yahoo Mail YahooMailProxy', hit: open(UA.yahooProxy, { ip: '98.137.12.5', headers: {} }), verdict: 'MAIL_PROXY', reason: /YahooMailProxy/ },
  { client: 'GoogleImageProxy 1 s after delivery: prefetch', hit: open(UA.gmailProxy, { after: 1 * S, headers: {} }), verdict: 'PRIVACY_PREFETCH', reason: /1 s after delivery/ },
  { client: 'GoogleImageProxy "clicking" a link', hit: click(UA.gmailProxy), verdict: 'BOT', reason: /do not follow links/ },

  // Apple Mail Privacy Protection.
  { client: 'Apple MPP: Apple Mail macOS UA fetched from 17.58.x, 3 s after delivery', hit: open(UA.appleMailMac, { ip: '17.58.101.4', after: 3 * S, headers: { accept: '*/*' } }), verdict: 'PRIVACY_PREFETCH', reason: /address 17\.58\.x in Apple's range \(17\.0\.0\.0\/8\)/ },
  { client: "Apple MPP: bare 'Mozilla/5.0' from 17.x", hit: open('Mozilla/5.0', { ip: '17.120.2.9', headers: {} }), verdict: 'PRIVACY_PREFETCH', reason: /bare 'Mozilla\/5\.0'/ },
  { client: 'Apple MPP: iOS Mail UA fetched from Apple, an hour later', hit: open(UA.appleMailIos, { ip: '17.252.1.1', after: 60 * MIN }), verdict: 'PRIVACY_PREFETCH' },
  { client: 'Apple MPP seen through a dual-stack socket (IPv4-mapped 17.x)', hit: open(UA.appleMailMac, { ip: '::ffff:17.58.101.4', headers: {} }), verdict: 'PRIVACY_PREFETCH', reason: /address 17\.58\.x in Apple's range/ },
  { client: "Safari webmail on Apple's own network (17.x): a full browser UA is not MPP", hit: open(UA.safariIphone, { ip: '17.58.101.4' }), verdict: 'HUMAN' },
  { client: "bare 'Mozilla/5.0' click (no browser sends that)", hit: click('Mozilla/5.0'), verdict: 'BOT' },

  // Security scanners.
  { client: 'Microsoft Safe Links referer, scanner browser (no user activation)', hit: click(UA.chromeWin, { headers: { ...NAV_UNACTIVATED, referer: 'https://nam12.safelinks.protection.outlook.com/?url=https%3A%2F%2Fx' } }), verdict: 'SCANNER', reason: /referer nam12\.safelinks\.protection\.outlook\.com \(Microsoft Safe Links\)/ },
  { client: 'Proofpoint URL Defense v3 referer', hit: click(UA.chromeWin, { headers: { ...NAV_UNACTIVATED, referer: 'https://urldefense.com/v3/__https://x__;!!abc' } }), verdict: 'SCANNER', reason: /Proofpoint URL Defense/ },
  { client: 'Proofpoint URL Defense v2 referer', hit: click(UA.chromeWin, { headers: { accept: '*/*', referer: 'https://urldefense.proofpoint.com/v2/url?u=x' } }), verdict: 'SCANNER', reason: /urldefense\.proofpoint\.com/ },
  { client: 'Barracuda Link Protection referer', hit: click(UA.chromeWin, { headers: { ...NAV_UNACTIVATED, referer: 'https://linkprotect.cudasvc.com/url?a=x' } }), verdict: 'SCANNER', reason: /Barracuda/ },
  { client: 'Mimecast URL Protect referer', hit: click(UA.chromeWin, { headers: { ...NAV_UNACTIVATED, referer: 'https://protect-us.mimecast.com/s/abc' } }), verdict: 'SCANNER', reason: /Mimecast/ },
  { client: 'Mimecast scanner UA', hit: click('Mozilla/5.0 (compatible; Mimecast URL Protect)'), verdict: 'SCANNER', reason: /user agent names Mimecast/ },
  { client: 'Google Safe Browsing fetcher (Google-Safety)', hit: click('Google-Safety'), verdict: 'SCANNER', reason: /Google-Safety/ },
  { client: 'Defender detonation: stale Chrome 80 on Windows 10, 3 s after delivery, from 40.94.x', hit: click(UA.chrome80Win10, { ip: '40.94.34.52', after: 3 * S, headers: NAV_UNACTIVATED }), verdict: 'SCANNER', reason: /Chrome 80 on Windows 10\/11, ~\d+ years out of date/ },
  { client: 'browser UA fetching a link without navigation headers or Accept-Language', hit: click(UA.chromeWin, { headers: { accept: '*/*' }, after: 20 * S }), verdict: 'SCANNER', reason: /not a top-level navigation/ },
  { client: 'link fetched from Microsoft EOP mail servers by a "browser"', hit: click(UA.chromeWin, { ip: '40.107.22.8', headers: { accept: '*/*', 'accept-language': 'en' } }), verdict: 'SCANNER', reason: /Microsoft EOP's range/ },

  // Crawlers and bots.
  { client: 'curl', hit: click('curl/8.5.0', { headers: { accept: '*/*' } }), verdict: 'BOT', reason: /^curl$/ },
  { client: 'python-requests', hit: click('python-requests/2.32.3', { headers: { accept: '*/*' } }), verdict: 'BOT', reason: /Python HTTP client/ },
  { client: 'Go-http-client', hit: open('Go-http-client/1.1', { headers: {} }), verdict: 'BOT' },
  { client: 'Java HttpURLConnection', hit: click('Java/17.0.2', { headers: {} }), verdict: 'BOT' },
  { client: 'HeadlessChrome with perfect navigation headers', hit: click(UA.headless), verdict: 'BOT', reason: /headless Chrome/ },
  { client: 'Slackbot link expansion', hit: click('Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)'), verdict: 'BOT', reason: /Slack/ },
  { client: 'WhatsApp link preview', hit: click('WhatsApp/2.23.20.0 A'), verdict: 'BOT', reason: /WhatsApp/ },
  { client: 'Gmail prefetch bot (Chrome/42 … Edge/12.246; isbot says human)', hit: open(UA.gmailPrefetch, { after: 1 * S }), verdict: 'BOT', reason: /Gmail prefetch bot/ },
  { client: 'a crawler only isbot knows (SemrushBot)', hit: click('Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)'), verdict: 'BOT', reason: /^isbot: / },
  { client: 'no user agent at all', hit: open(undefined, { headers: {} }), verdict: 'BOT', reason: /no user agent/ },
  { client: 'Chrome speculative prefetch of a link (Sec-Purpose)', hit: click(UA.chromeWin, { headers: { ...NAV_UNACTIVATED, 'sec-purpose': 'prefetch' } }), verdict: 'BOT', reason: /sec-purpose: prefetch/ },
  { client: 'pixel prefetched by a client (Purpose: prefetch)', hit: open(UA.chromeWin, { headers: { ...IMG, purpose: 'prefetch' } }), verdict: 'PRIVACY_PREFETCH' },
  { client: 'crawler with a browser UA and a From header, fetching the pixel as a page', hit: open(UA.chromeWin, { headers: { accept: 'text/html', from: 'crawler(at)example.com' } }), verdict: 'BOT', reason: /From header/ },
  { client: 'pixel requested as a page from Microsoft EOP', hit: open(UA.chromeWin, { ip: '52.101.3.4', headers: { ...NAV_UNACTIVATED } }), verdict: 'BOT', reason: /pixel requested as a page/ },

  // Request method.
  { client: 'HEAD on a link from a normal Chrome', hit: click(UA.chromeWin, { method: 'HEAD' }), verdict: 'BOT', reason: /HEAD request/ },
  { client: 'HEAD on the pixel via GoogleImageProxy', hit: open(UA.gmailProxy, { method: 'HEAD' }), verdict: 'BOT', reason: /HEAD requests never count/ },
  { client: 'Office link pre-check (HEAD, "Microsoft Office Existence Discovery")', hit: click('Microsoft Office Existence Discovery', { method: 'HEAD', headers: {} }), verdict: 'BOT', reason: /Office link pre-check/ },
  { client: 'HEAD on a link from Microsoft EOP', hit: click(UA.chromeWin, { method: 'head', ip: '40.92.1.1' }), verdict: 'SCANNER' },

  // Honeypot.
  { client: 'invisible honeypot link hit by a perfect-looking Chrome', hit: click(UA.chromeWin, { honeypot: true }), verdict: 'SCANNER', reason: /honeypot/ },

  // The sender's own views.
  { client: 'blocked IPv4 CIDR', hit: open(UA.outlookDesktop, { ip: '203.0.113.77', self: { blockedIps: ['203.0.113.0/24'] } }), verdict: 'SELF', reason: /^blocked IP 203\.0\.113\.0\/24 \(your settings\)$/ },
  { client: 'blocked IPv6 CIDR', hit: click(UA.chromeWin, { ip: '2001:db8:42:7::15', self: { blockedIps: ['2001:db8:42::/48'] } }), verdict: 'SELF', reason: /2001:db8:42::\/48/ },
  { client: 'IPv4-mapped IPv6 client, IPv4 CIDR blocked', hit: open(UA.edgeWin, { ip: '::ffff:203.0.113.9', self: { blockedIps: ['203.0.113.0/24'] } }), verdict: 'SELF' },
  { client: 'IPv4-mapped IPv6 client in hex form', hit: open(UA.edgeWin, { ip: '::ffff:cb00:7109', self: { blockedIps: ['203.0.113.0/24'] } }), verdict: 'SELF' },
  { client: 'blocked entry written as an IPv4-mapped CIDR', hit: open(UA.edgeWin, { ip: '198.51.100.7', self: { blockedIps: ['::ffff:198.51.100.0/120'] } }), verdict: 'SELF' },
  { client: 'single blocked address among invalid entries', hit: open(UA.edgeWin, { ip: '198.51.100.7', self: { blockedIps: ['not-an-ip', '10.0.0.0/99', '198.51.100.7'] } }), verdict: 'SELF' },
  { client: 'add-in reported the sender viewing the item 2 min earlier', hit: open(UA.outlookDesktop, { self: { selfViewSince: SENT + 3 * MIN } }), verdict: 'SELF', reason: /2 min after the add-in reported your own view/ },
  { client: 'pixel loads just before the add-in report arrives', hit: open(UA.outlookDesktop, { self: { selfViewSince: SENT + 5 * MIN + 10 * S } }), verdict: 'SELF', reason: /^just before the add-in reported your own view$/ },
  { client: 'self-view 10 min earlier no longer covers a recipient open', hit: open(UA.outlookDesktop, { self: { selfViewSince: SENT - 5 * MIN } }), verdict: 'HUMAN' },
  { client: "from one of the sender's own addresses", hit: open(UA.outlookDesktop, { ip: '198.51.100.23', self: { senderIps: ['198.51.100.23'] } }), verdict: 'SELF', reason: /^from an address you sent from \(198\.51\.x\)$/ },
  { client: 'SELF outranks the honeypot', hit: click(UA.chromeWin, { honeypot: true, self: { senderIps: [HOME_IP] } }), verdict: 'SELF' },
  { client: 'SELF outranks a scanner referer and HEAD', hit: click(UA.chromeWin, { method: 'HEAD', ip: '203.0.113.5', headers: { referer: 'https://urldefense.com/v3/x' }, self: { blockedIps: ['203.0.113.0/24'] } }), verdict: 'SELF' },
];

describe('classify: labelled table', () => {
  it.each(ROWS)('$client → $verdict', ({ hit: h, verdict, reason }) => {
    const c = classify(h);
    expect(c.verdict, c.reasons.join(' | ')).toBe(verdict);
    expect(c.counted).toBe(verdict === 'HUMAN' || verdict === 'MAIL_PROXY');
    expect(c.reasons.length).toBeGreaterThan(0);
    if (reason) expect(c.reasons.some((r) => reason.test(r)), c.reasons.join(' | ')).toBe(true);
  });

  it('never writes a full client address into the reasons', () => {
    for (const { hit: h } of ROWS) {
      const text = classify(h).reasons.join(' ');
      expect(text.includes(h.ip) && !h.self?.blockedIps?.includes(h.ip), text).toBe(false);
    }
  });

  it('covers every verdict', () => {
    expect(new Set(ROWS.map((r) => r.verdict))).toEqual(new Set(['HUMAN', 'MAIL_PROXY', 'PRIVACY_PREFETCH', 'SCANNER', 'BOT', 'SELF']));
  });
});

describe('classify: how signals combine', () => {
  it('the address, not the Apple Mail UA, separates an MPP prefetch from a real open', () => {
    const fromHome = classify(open(UA.appleMailMac, { headers: APPLE_MAIL_IMG }));
    const fromApple = classify(open(UA.appleMailMac, { headers: APPLE_MAIL_IMG, ip: '17.58.101.4' }));
    expect([fromHome.verdict, fromApple.verdict]).toEqual(['HUMAN', 'PRIVACY_PREFETCH']);
  });

  it('the same stale Chrome is a scanner only when timing or address adds to it', () => {
    const alone = classify(click(UA.chrome80Win10, { after: 2 * MIN }));
    const fast = classify(click(UA.chrome80Win10, { after: 4 * S, headers: NAV_UNACTIVATED }));
    const azure = classify(click(UA.chrome80Win10, { after: 2 * MIN, ip: '40.94.34.86', headers: NAV_UNACTIVATED }));
    expect([alone.verdict, fast.verdict, azure.verdict]).toEqual(['HUMAN', 'SCANNER', 'SCANNER']);
    expect(azure.reasons).toContain('automation score 3 ≥ 3');
  });

  it('user activation keeps a fast click human, its absence does not by itself make a scanner', () => {
    expect(classify(click(UA.chromeWin, { after: 1 * S })).verdict).toBe('HUMAN');
    expect(classify(click(UA.chromeWin, { after: 1 * S, headers: NAV_UNACTIVATED })).verdict).toBe('HUMAN');
    expect(classify(click(UA.chromeWin, { after: 1 * S, headers: { ...NAV_UNACTIVATED, 'accept-language': undefined } })).verdict).toBe('SCANNER');
  });

  it('a proxy prefetch window of 2 s separates Gmail prefetch from a real proxied open', () => {
    expect(classify(open(UA.gmailProxy, { after: 2 * S })).verdict).toBe('PRIVACY_PREFETCH');
    expect(classify(open(UA.gmailProxy, { after: 3 * S })).verdict).toBe('MAIL_PROXY');
  });

  it('header names are matched case-insensitively and a missing method means GET', () => {
    const h = click(UA.chromeWin, { headers: { Referer: 'https://urldefense.com/v3/x', Accept: '*/*' } });
    expect(classify(h).verdict).toBe('SCANNER');
    expect(classify({ ...click(UA.chromeWin), method: '' }).verdict).toBe('HUMAN');
  });

  it('a hit "before" delivery (clock skew) gives no timing signal', () => {
    const c = classify(click(UA.chromeWin, { after: -30 * S, headers: NAV_UNACTIVATED }));
    expect(c.verdict).toBe('HUMAN');
    expect(c.reasons.join(' ')).not.toMatch(/after delivery/);
  });
});

// ---- retroactive bursts --------------------------------------------------------------------

describe('findScannerBursts', () => {
  const c = (id: string, at: number, linkIndex: number, verdict: Verdict = 'HUMAN') => ({ id, at: SENT + at, linkIndex, verdict });

  it('flags every click of a burst across all links within 2 s', () => {
    const clicks = [c('a', 10 * S, 0), c('b', 10 * S + 300, 1), c('c', 10 * S + 900, 2), c('d', 11 * S + 800, 3)];
    expect(findScannerBursts(clicks).sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('leaves a person clicking two links 30 s apart alone', () => {
    expect(findScannerBursts([c('a', 60 * S, 0), c('b', 90 * S, 1)])).toEqual([]);
  });

  it('leaves one link clicked twice quickly alone (double click, Safe Links + person)', () => {
    expect(findScannerBursts([c('a', 60 * S, 2), c('b', 60 * S + 200, 2), c('c', 60 * S + 900, 2)])).toEqual([]);
  });

  it('flags two different links closer than a person can manage', () => {
    expect(findScannerBursts([c('a', 5 * S, 0), c('b', 5 * S + 400, 1), c('late', 10 * MIN, 0)]).sort()).toEqual(['a', 'b']);
  });

  it('does not flag three links a few seconds apart with the default window, but does with a wider one', () => {
    const clicks = [c('a', 0, 0), c('b', 4 * S, 1), c('c', 8 * S, 2)];
    expect(findScannerBursts(clicks)).toEqual([]);
    expect(findScannerBursts(clicks, { windowMs: 10 * S }).sort()).toEqual(['a', 'b', 'c']);
    expect(findScannerBursts(clicks, { windowMs: 10 * S, minLinks: 4 })).toEqual([]);
  });

  it('counts known scanner clicks as evidence without returning them, and ignores SELF', () => {
    const clicks = [c('s', 0, 0, 'SCANNER'), c('b', 1500, 1), c('x', 2500, 2, 'BOT'), c('me', 3000, 3, 'SELF')];
    expect(findScannerBursts(clicks).sort()).toEqual(['b', 'x']);
    expect(findScannerBursts([c('me1', 0, 0, 'SELF'), c('me2', 200, 1, 'SELF'), c('me3', 400, 2, 'SELF')])).toEqual([]);
  });

  it('does not depend on input order', () => {
    const clicks = [c('d', 1800, 3), c('a', 0, 0), c('c', 900, 2), c('b', 300, 1)];
    expect(findScannerBursts(clicks).sort()).toEqual(['a', 'b', 'c', 'd']);
  });
});

// ---- HubSpot browser / deviceType ----------------------------------------------------------

describe('describeUserAgent', () => {
  it.each([
    // desktop browsers
    { ua: UA.chromeWin, family: 'Google Chrome', version: '150.0.0.0', device: 'COMPUTER' },
    { ua: UA.edgeWin, family: 'Microsoft Edge', version: '150.0.3240.50', device: 'COMPUTER' },
    // mail clients
    { ua: UA.outlookDesktop, family: 'Microsoft Outlook', version: '16.0.17928', device: 'COMPUTER' },
    { ua: UA.thunderbird, family: 'Thunderbird', version: '128.3.0', device: 'COMPUTER' },
    { ua: UA.outlookAndroid, family: 'Microsoft Outlook', version: '2.0', device: 'MOBILE' },
    { ua: UA.samsungEmail, family: 'Android WebView', version: '149.0.7827.61', device: 'MOBILE' },
    // phones and tablets
    { ua: UA.safariIphone, family: 'Safari', version: '17.5', device: 'MOBILE' },
    { ua: UA.chromeAndroid, family: 'Google Chrome', version: '150.0.0.0', device: 'MOBILE' },
    { ua: UA.safariIpad, family: 'Safari', version: '17.5', device: 'TABLET' },
    { ua: UA.chromeAndroidTablet, family: 'Google Chrome', version: '150.0.0.0', device: 'TABLET' },
  ])('$family on $device', ({ ua, family, version, device }) => {
    const d = describeUserAgent(ua);
    expect(d.deviceType).toBe(device);
    expect(d.browser).toMatchObject({ family, version: [version], name: `${family} ${version}` });
    expect(d.browser?.producer).toBeTruthy();
  });

  it('names Apple Mail without inventing a version', () => {
    expect(describeUserAgent(UA.appleMailIos)).toEqual({ browser: { name: 'Apple Mail', family: 'Apple Mail', producer: 'Apple Inc.' }, deviceType: 'MOBILE' });
    expect(describeUserAgent(UA.appleMailMac).deviceType).toBe('COMPUTER');
  });

  it.each([
    ['Gmail image proxy', UA.gmailProxy],
    ['Yahoo image proxy', UA.yahooProxy],
    ['Apple MPP bare UA', 'Mozilla/5.0'],
    ['Gmail prefetch bot', UA.gmailPrefetch],
    ['headless Chrome', UA.headless],
    ['curl', 'curl/8.5.0'],
    ['a crawler only isbot knows, with browser tokens (bingbot)', 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36'],
    ['Mimecast scanner', 'Mozilla/5.0 (compatible; Mimecast URL Protect)'],
    ['empty', ''],
    ['missing', undefined],
  ])('gives no device data for %s', (_name, ua) => {
    expect(describeUserAgent(ua)).toEqual({});
  });

  it('gives no device data when the verdict is not HUMAN, even for a browser UA', () => {
    expect(describeUserAgent(UA.appleMailMac, 'PRIVACY_PREFETCH')).toEqual({});
    expect(describeUserAgent(UA.chrome80Win10, 'SCANNER')).toEqual({});
    expect(describeUserAgent(UA.appleMailMac, 'HUMAN').browser?.family).toBe('Apple Mail');
  });
});
