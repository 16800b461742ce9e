// How Sent's UIDs are grouped into fetches (session.ts, planBatches): by the most each message may
// hold, within a batch's count and bytes; a message over STREAM_OVER streamed alone; one over the
// maximum skipped, with the folder's last UID still moved past it.
import { describe, expect, it } from 'vitest';
import { planBatches, SIZE_CLASSES } from '../../src/server/mailbox/session.js';
import { MAX_MESSAGE_BYTES } from '../../src/server/mailbox/imap.js';

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
const [SMALL, MEDIUM, STREAM_OVER] = SIZE_CLASSES;

describe('planBatches', () => {
  it('puts 200 of the smallest class in one batch (8 MiB at most)', () => {
    const uids = range(1, 450);
    const { batches, skipped } = planBatches(uids, new Map(uids.map((u) => [u, SMALL])));
    expect(batches.map((b) => b.uids.length)).toEqual([200, 200, 50]);
    expect(batches.map((b) => b.last)).toEqual([200, 400, 450]);
    expect(SMALL * 200).toBeLessThanOrEqual(8 * 1024 * 1024);
    expect(skipped).toEqual([]);
  });

  it('fits fewer of a bigger class: 32 up to 256 KB, 8 up to 1 MB', () => {
    const uids = range(1, 40);
    const bounds = new Map(uids.map((u) => [u, u <= 33 ? MEDIUM : STREAM_OVER]));
    const { batches } = planBatches(uids, bounds);
    expect(batches.map((b) => b.uids.length)).toEqual([32, 8]);
    expect(batches.every((b) => !b.big)).toBe(true);
  });

  it('streams a message over STREAM_OVER alone, and skips one over the maximum while moving past it', () => {
    const bounds = new Map([
      [1, SMALL],
      [2, SMALL],
      [3, MAX_MESSAGE_BYTES],
      [4, SMALL],
      [5, MAX_MESSAGE_BYTES + 1],
      [6, SMALL],
    ]);
    const { batches, skipped } = planBatches([1, 2, 3, 4, 5, 6], bounds);
    expect(batches).toEqual([
      { uids: [1, 2], last: 2, big: false },
      { uids: [3], last: 3, big: true },
      { uids: [4], last: 4, big: false },
      { uids: [6], last: 6, big: false },
    ]);
    expect(skipped).toEqual([5]);
    // Skipped as the last: an empty batch still moves the folder's last UID past it.
    expect(planBatches([1, 2], new Map([[1, SMALL], [2, MAX_MESSAGE_BYTES + 1]]))).toEqual({ batches: [{ uids: [1], last: 1, big: false }, { uids: [], last: 2, big: false }], skipped: [2] });
  });

  it('batches exact sizes (a server without SEARCH LARGER) by their sum', () => {
    const uids = range(1, 10);
    const { batches } = planBatches(uids, new Map(uids.map((u) => [u, 900_000])));
    expect(batches.map((b) => b.uids)).toEqual([range(1, 9), [10]]);
  });
});
