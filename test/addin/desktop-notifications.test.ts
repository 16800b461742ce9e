// The desktop-notification helpers the web app's Activity page uses.
import { describe, expect, it } from 'vitest';
import { keyBytes, notificationOptions } from '../../src/ui/notifications/desktop-notifications.js';

describe('desktop notifications', () => {
  it('say who did what, tagged with the event id so page and worker show it once', () => {
    const n = { id: 'n1', type: 'CLICK' as const, who: 'Ann Lee', url: 'https://acme.test/pricing', subject: 'Renewal', at: '', emailId: 'e', read: false };
    expect(notificationOptions(n)).toEqual({ title: 'Ann Lee clicked a link', body: 'acme.test/pricing in Renewal', tag: 'n1' });
    expect(notificationOptions({ ...n, type: 'OPEN', who: '' })).toEqual({ title: 'Someone opened your email', body: 'Renewal', tag: 'n1' });
  });
  it('decode the VAPID key from base64url', () => {
    const key = Buffer.from([4, 255, 0, 128, 62, 63]);
    expect(Buffer.from(keyBytes(key.toString('base64url'))).equals(key)).toBe(true);
  });
});
