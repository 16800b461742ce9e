// The event-runtime entry: both manifest names are associated, and with the session cached in roaming
// settings the handlers reach the backend, or fail open fast when it is down.
import { describe, expect, it } from 'vitest';
import { HANDLERS, registerHandlers } from '../../src/addin/commands/launchevent.js';
import { STATE_KEY } from '../../src/addin/models/item-state.js';
import { SESSION_KEY } from '../../src/addin/models/session.js';
import { DEFAULT_SETTINGS } from '../../src/shared/api.js';
import { FakeHost, fakeEvent } from './fake-host.js';

function signedIn(host: FakeHost, settings = DEFAULT_SETTINGS) {
  // Port 9 (discard) is closed on test machines: the backend is down.
  host.roaming.set(SESSION_KEY, { backendUrl: 'http://127.0.0.1:9', accessToken: 'mb_x', user: null, settings });
  return host;
}

describe('launchevent', () => {
  it('associates the functions the manifest names', () => {
    const host = new FakeHost();
    registerHandlers(host);
    expect([...host.handlers.keys()].sort()).toEqual(['onMessageSend', 'onNewMessageCompose']);
    expect(HANDLERS).toEqual({ newCompose: 'onNewMessageCompose', send: 'onMessageSend' });
  });

  it('on new compose, signed out, still records the default Log/Track state and completes', async () => {
    const host = new FakeHost();
    registerHandlers(host);
    const { event, completions } = fakeEvent();
    await host.handlers.get('onNewMessageCompose')!(event);
    expect(completions).toEqual([undefined]);
    expect(JSON.parse(host.sessionData.get(STATE_KEY)!)).toMatchObject({ log: true, track: true, pixel: null });
  });

  it('on new compose, uses the settings cached in roaming settings', async () => {
    const host = signedIn(new FakeHost(), { ...DEFAULT_SETTINGS, defaultLog: false, defaultTrack: false });
    registerHandlers(host);
    const { event, completions } = fakeEvent();
    await host.handlers.get('onNewMessageCompose')!(event);
    expect(completions).toHaveLength(1);
    expect(JSON.parse(host.sessionData.get(STATE_KEY)!)).toMatchObject({ log: false, track: false });
  });

  it('on send with the backend down, allows the mail within 4 s and tells the user', async () => {
    const host = signedIn(new FakeHost());
    host.sessionData.set(STATE_KEY, JSON.stringify({ log: true, track: true, trackingId: 't-1', pixel: 'append' }));
    registerHandlers(host);
    const { event, completions } = fakeEvent();
    const started = Date.now();
    await host.handlers.get('onMessageSend')!(event);
    expect(Date.now() - started).toBeLessThan(4000);
    expect(completions).toEqual([{ allowEvent: true }]);
    expect(host.notices[0].message).toBe("Mailbeacon couldn't reach the server: this email was sent untracked and unlogged.");
  });
});
