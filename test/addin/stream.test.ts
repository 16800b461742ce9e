// The live feed's EventSource wrapper: items, status, and reopening after the browser gives up.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openNotificationStream, type StreamStatus } from '../../src/ui/api/stream.js';

class FakeEventSource {
  static made: FakeEventSource[] = [];
  readyState = 0;
  closed = false;
  onopen: (() => void) | null = null;
  onmessage: ((m: { data: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeEventSource.made.push(this);
  }
  close() {
    this.closed = true;
    this.readyState = 2;
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  /** `retrying`: the browser reconnects itself (CONNECTING); otherwise it gave up (CLOSED). */
  fail(retrying: boolean) {
    this.readyState = retrying ? 0 : 2;
    this.onerror?.();
  }
}

afterEach(() => {
  FakeEventSource.made = [];
  vi.useRealTimers();
});

describe('the notification stream', () => {
  it('delivers each data line as an item and reports its status', () => {
    const items: unknown[] = [];
    const statuses: StreamStatus[] = [];
    const stop = openNotificationStream('https://mb.test/s?access_token=t', { onItem: (n) => items.push(n), onStatus: (s) => statuses.push(s) }, { EventSourceImpl: FakeEventSource as never });
    const es = FakeEventSource.made[0];
    expect(es.url).toBe('https://mb.test/s?access_token=t');
    es.open();
    es.onmessage!({ data: JSON.stringify({ id: 'n1', type: 'OPEN' }) });
    es.onmessage!({ data: 'not json' });
    es.fail(true);
    expect(items).toEqual([{ id: 'n1', type: 'OPEN' }]);
    expect(statuses).toEqual(['connecting', 'connected', 'reconnecting']);
    stop();
    expect(es.closed).toBe(true);
  });

  it('reopens with back-off when the browser gives up, goes offline after repeated failures, and reloads history once back', () => {
    vi.useFakeTimers();
    const statuses: string[] = [];
    const reopened = vi.fn();
    openNotificationStream('u', { onItem: () => undefined, onStatus: (s) => statuses.push(s), onReopened: reopened }, { EventSourceImpl: FakeEventSource as never, backoffMs: [100, 200] });
    FakeEventSource.made[0].fail(false);
    vi.advanceTimersByTime(100);
    FakeEventSource.made[1].fail(false);
    vi.advanceTimersByTime(200);
    FakeEventSource.made[2].fail(false);
    expect(statuses).toEqual(['connecting', 'reconnecting', 'reconnecting', 'offline']);
    vi.advanceTimersByTime(200);
    FakeEventSource.made[3].open();
    expect(statuses.at(-1)).toBe('connected');
    expect(reopened).toHaveBeenCalledTimes(1);
  });

  it('stops reopening once stopped', () => {
    vi.useFakeTimers();
    const stop = openNotificationStream('u', { onItem: () => undefined, onStatus: () => undefined }, { EventSourceImpl: FakeEventSource as never, backoffMs: [50] });
    FakeEventSource.made[0].fail(false);
    stop();
    vi.advanceTimersByTime(500);
    expect(FakeEventSource.made).toHaveLength(1);
  });
});
