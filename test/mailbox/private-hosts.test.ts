// A user must not be able to make Mailbeacon connect into its own network (and report what answered):
// mail servers on loopback, private, link-local and shared addresses are refused unless the operator
// set MAILBOX_ALLOW_PRIVATE (the tests' own Dovecot runs on 127.0.0.1).
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/server/errors.js';
import { publicAddress } from '../../src/server/mailbox/imap.js';

describe('mail server addresses', () => {
  it('refuses internal addresses, literal or resolved, with a clear 400', async () => {
    for (const host of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.10', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '[::1]', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', 'localhost']) {
      const err = await publicAddress(host).catch((e) => e);
      expect(err, host).toBeInstanceOf(ApiError);
      expect((err as ApiError).statusCode, host).toBe(400);
      expect((err as ApiError).message, host).toMatch(/internal address|does not resolve/);
    }
  });

  it('lets public addresses through, and internal ones when allowed', async () => {
    expect(await publicAddress('203.0.113.7')).toBe('203.0.113.7');
    expect(await publicAddress('2001:db8::1')).toBe('2001:db8::1');
    expect(await publicAddress('127.0.0.1', true)).toBe('127.0.0.1');
  });

  it('says so when a name does not resolve', async () => {
    const err = (await publicAddress('no-such-host.invalid').catch((e) => e)) as ApiError;
    expect(err.statusCode).toBe(400);
    expect(err.message).toMatch(/does not resolve/);
  });
});
