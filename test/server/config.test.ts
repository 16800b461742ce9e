import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/server/config.js';
import { runCli } from '../helpers/server.js';

const KEY = 'k1:' + 'x'.repeat(32);

describe('configuration', () => {
  it('uses the docs/product.md §2 defaults when nothing is set', () => {
    const c = loadConfig({}, '/srv/mb');
    expect(c).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      publicUrl: 'http://localhost:3000',
      httpsPort: 3443,
      addinUrl: 'https://localhost:3443',
      smtpPort: 2525,
      smtpHost: '127.0.0.1',
      dataDir: '/srv/mb/data',
      databaseUrl: undefined,
      relayUrl: undefined,
      apiRateLimit: 5000,
      logLevel: 'info',
      smtpMaxBytes: 25 * 1024 * 1024,
      smtpProxyProtocol: false,
    });
  });

  it('takes SMTP_PROXY_PROTOCOL as true, false or the balancers\' addresses', () => {
    expect(loadConfig({ SMTP_PROXY_PROTOCOL: 'true' }).smtpProxyProtocol).toBe(true);
    expect(loadConfig({ SMTP_PROXY_PROTOCOL: 'off' }).smtpProxyProtocol).toBe(false);
    expect(loadConfig({ SMTP_PROXY_PROTOCOL: '10.0.0.5, 2001:db8::7' }).smtpProxyProtocol).toEqual(['10.0.0.5', '2001:db8::7']);
  });

  it('derives PUBLIC_URL and ADDIN_URL from the ports and trims trailing slashes', () => {
    expect(loadConfig({ PORT: '8080', HTTPS_PORT: '8443' })).toMatchObject({ publicUrl: 'http://localhost:8080', addinUrl: 'https://localhost:8443' });
    expect(loadConfig({ PUBLIC_URL: 'https://t.example.com/' }).publicUrl).toBe('https://t.example.com');
  });

  it('parses TRACKING_KEYS newest first', () => {
    const keys = loadConfig({ TRACKING_KEYS: `new:${'a'.repeat(40)}, old:${'b'.repeat(32)}` }).trackingKeys;
    expect(keys?.map((k) => k.id)).toEqual(['new', 'old']);
  });

  const bad: Array<[string, string, RegExp]> = [
    ['PORT', 'abc', /PORT must be a port number from 1 to 65535/],
    ['PORT', '70000', /PORT must be a port number/],
    ['HTTPS_PORT', '-1', /HTTPS_PORT must be a port number/],
    ['SMTP_PORT', '25x', /SMTP_PORT must be a port number/],
    ['PUBLIC_URL', 'ftp://x', /PUBLIC_URL must be a URL starting with http:\/\/ or https:\/\//],
    ['ADDIN_URL', 'http://localhost:3443', /ADDIN_URL must be a URL starting with https:\/\//],
    ['DATABASE_URL', 'mysql://u:secret@h/db', /DATABASE_URL must be a URL starting with postgres:\/\//],
    ['RELAY_URL', 'http://relay', /RELAY_URL must be a URL starting with smtp:\/\/ or smtps:\/\//],
    ['TRACKING_KEYS', 'k1:short', /TRACKING_KEYS must be a comma-separated list of id:secret pairs/],
    ['TRACKING_KEYS', `${KEY},${KEY}`, /unique ids/],
    ['API_RATE_LIMIT', '0', /API_RATE_LIMIT must be a whole number of at least 1/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/],
    ['TLS_CERT', '/x.pem', /TLS_KEY must be set together with TLS_CERT/],
    ['SMTP_PROXY_PROTOCOL', '10.0.0.5,lb.internal', /SMTP_PROXY_PROTOCOL must be true, false or a comma-separated list of the balancers' IP addresses \(got "lb.internal"\)/],
  ];
  it.each(bad)('%s=%s is refused with a message naming it', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it('never repeats a password or a tracking secret in its message', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://u:secret@h/db' })).toThrow(/u:\*\*\*@h/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://u:secret@h/db' })).not.toThrow(/secret/);
    expect(() => loadConfig({ TRACKING_KEYS: 'k1:tooshortsecret' })).not.toThrow(/tooshortsecret/);
  });

  it('stops `mailbeacon serve` with one line naming the variable', async () => {
    const r = await runCli(['serve'], { PORT: 'abc', DATA_DIR: '/nonexistent/never-created' });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^Invalid configuration: PORT must be a port number from 1 to 65535 \(got "abc"\)\.$/m);
  });
});
