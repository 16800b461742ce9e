// New compose and the Track/Log switches through the typed fake: defaults applied, the pixel placed
// with appendOnSendAsync, and cleared when Track is turned off.
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type UserSettings } from '../../src/shared/api.js';
import { ensureComposeState, setLog, setTrack, startCompose } from '../../src/addin/flows/compose-flow.js';
import { STATE_KEY, readState } from '../../src/addin/models/item-state.js';
import { TRACKING_HEADER } from '../../src/addin/helpers/ids.js';
import { FakeHost, composeItem } from './fake-host.js';
import { fakeApi } from './fake-api.js';

const settings = (over: Partial<UserSettings> = {}): UserSettings => ({ ...DEFAULT_SETTINGS, ...over });
const id = () => '11111111-2222-4333-8444-555555555555';

describe('on new compose', () => {
  it('applies the user\'s defaults, stamps the tracking id and places the pixel with appendOnSendAsync', async () => {
    const host = new FakeHost();
    const api = fakeApi();
    const state = await startCompose({ host, api, settings: settings(), newId: id });
    expect(state).toEqual({ log: true, track: true, trackingId: id(), pixel: 'append' });
    expect(JSON.parse(host.sessionData.get(STATE_KEY)!)).toEqual(state);
    expect(host.item.headers[TRACKING_HEADER]).toBe(id());
    expect(api.state.registered).toEqual([
      { trackingId: id(), subject: 'Pricing for Acme', from: 'me@mailbeacon.test', to: ['ann@acme.test'], cc: [], bcc: [], html: '', placePixel: false, pixelPosition: 'bottom' },
    ]);
    expect(host.onSend.append).toBe(`<img src="https://mb.example.test/t/o/${id()}.gif" width="1" height="1" alt="">`);
    // The body itself is never touched on compose.
    expect(host.callsTo('setBody')).toHaveLength(0);
  });

  it('with Track off by default places no pixel and registers nothing', async () => {
    const host = new FakeHost();
    const api = fakeApi();
    const state = await startCompose({ host, api, settings: settings({ defaultTrack: false, defaultLog: false }), newId: id });
    expect(state).toMatchObject({ log: false, track: false, pixel: null });
    expect(api.state.calls).toEqual([]);
    expect(host.callsTo('appendOnSend')).toEqual([]);
  });

  it('puts no pixel in a plain-text body', async () => {
    const host = new FakeHost(composeItem({ bodyType: 'text', body: 'Hi Ann' }));
    const state = await startCompose({ host, api: fakeApi(), settings: settings(), newId: id });
    expect(state).toMatchObject({ track: true, pixel: null });
    expect(host.callsTo('appendOnSend')).toEqual([]);
  });

  it('keeps Track on without a pixel when the backend is down (the send handler places it then)', async () => {
    const host = new FakeHost();
    const state = await startCompose({ host, api: fakeApi({ mode: 'down' }), settings: settings(), newId: id });
    expect(state).toMatchObject({ track: true, pixel: null });
    expect(host.onSend.append).toBeNull();
  });

  it('prepends the pixel when the user wants it at the top and Outlook supports it (Mailbox 1.13)', async () => {
    const host = new FakeHost();
    host.supported.add('Mailbox 1.13');
    const state = await startCompose({ host, api: fakeApi(), settings: settings({ pixelPosition: 'top' }), newId: id });
    expect(state.pixel).toBe('prepend');
    expect(host.onSend.prepend).toContain('/t/o/');
    expect(host.onSend.append).toBeNull();
  });

  it('falls back to custom properties where sessionData is missing', async () => {
    const host = new FakeHost();
    host.supported.delete('Mailbox 1.11');
    await startCompose({ host, api: null, settings: settings(), newId: id });
    expect(host.sessionData.size).toBe(0);
    expect(JSON.parse(host.customProperties.get(STATE_KEY)!)).toMatchObject({ trackingId: id() });
    expect(await readState(host)).toMatchObject({ trackingId: id() });
  });

  it('falls back to custom properties when sessionData fails', async () => {
    const host = new FakeHost();
    host.failing.add('setSessionData');
    await startCompose({ host, api: null, settings: settings(), newId: id });
    expect(host.customProperties.has(STATE_KEY)).toBe(true);
  });
});

describe('the pane\'s switches', () => {
  it('turning Track off clears the pixel; on again places a new one', async () => {
    const host = new FakeHost();
    const api = fakeApi();
    const deps = { host, api, settings: settings(), newId: id };
    const on = await startCompose(deps);
    const off = await setTrack(deps, on, false);
    expect(off).toMatchObject({ track: false, pixel: null });
    expect(host.callsTo('appendOnSend').at(-1)).toEqual([null]);
    expect(host.onSend.append).toBeNull();
    expect(JSON.parse(host.sessionData.get(STATE_KEY)!)).toMatchObject({ track: false, pixel: null });

    const again = await setTrack(deps, off, true);
    expect(again).toMatchObject({ track: true, pixel: 'append', trackingId: id() });
    expect(host.onSend.append).toContain(`/t/o/${id()}.gif`);
  });

  it('clears a prepended pixel with prependOnSendAsync', async () => {
    const host = new FakeHost();
    const deps = { host, api: fakeApi(), settings: settings() };
    await setTrack(deps, { log: true, track: true, trackingId: 't', pixel: 'prepend' }, false);
    expect(host.callsTo('prependOnSend')).toEqual([[null]]);
  });

  it('Log changes only the stored state', async () => {
    const host = new FakeHost();
    const deps = { host, api: fakeApi(), settings: settings() };
    const s = await setLog(deps, { log: true, track: false, trackingId: 't', pixel: null }, false);
    expect(s.log).toBe(false);
    expect(JSON.parse(host.sessionData.get(STATE_KEY)!).log).toBe(false);
    expect(deps.api.state.calls).toEqual([]);
  });

  it('reuses the state the compose handler left, and sets one up on a draft it never saw', async () => {
    const host = new FakeHost();
    host.sessionData.set(STATE_KEY, JSON.stringify({ log: false, track: true, trackingId: 'abc', pixel: 'append' }));
    expect(await ensureComposeState({ host, api: fakeApi(), settings: settings() })).toEqual({ log: false, track: true, trackingId: 'abc', pixel: 'append' });

    const fresh = new FakeHost();
    const s = await ensureComposeState({ host: fresh, api: fakeApi(), settings: settings({ defaultLog: false }), newId: id });
    expect(s).toMatchObject({ log: false, track: true, trackingId: id(), pixel: 'append' });
  });

  it('waits for a compose handler still at work rather than starting a second tracked email', async () => {
    const host = new FakeHost();
    host.item.headers[TRACKING_HEADER] = 'from-handler';
    const api = fakeApi();
    setTimeout(() => host.sessionData.set(STATE_KEY, JSON.stringify({ log: true, track: true, trackingId: 'from-handler', pixel: 'append' })), 300);
    expect(await ensureComposeState({ host, api, settings: settings(), newId: id })).toMatchObject({ trackingId: 'from-handler' });
    expect(api.state.registered).toEqual([]);
  });

  it('keeps the tracking id a reopened draft already carries', async () => {
    const host = new FakeHost();
    host.item.headers[TRACKING_HEADER] = 'earlier-id';
    const api = fakeApi();
    expect(await ensureComposeState({ host, api, settings: settings(), newId: id }, 300)).toMatchObject({ trackingId: 'earlier-id', pixel: 'append' });
    expect(api.state.registered[0].trackingId).toBe('earlier-id');
  });
});
