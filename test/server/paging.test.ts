// The one paging of list routes (src/server/http/paging.ts): a cursor it gave out positions the next
// page; anything else is a 400 naming `after`; `paging` appears only when more rows follow.
import { describe, expect, it } from 'vitest';
import { afterParam, encodeCursor, pageLimit, pageOf } from '../../src/server/http/paging.js';
import { ApiError } from '../../src/server/errors.js';

const refused = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return err instanceof ApiError ? { status: err.statusCode, message: err.message } : err;
  }
  return 'accepted';
};

describe('paging', () => {
  it('reads back the cursor of the last row of a page, and says nothing on the last page', () => {
    const rows = [{ at: 3, id: 'c' }, { at: 2, id: 'b' }, { at: 1, id: 'a' }];
    const { page, next } = pageOf(rows, 2, (last) => [String(last.at), last.id]);
    expect(page).toEqual(rows.slice(0, 2));
    expect(afterParam(next.paging!.next.after, 2)).toEqual(['2', 'b']);
    expect(pageOf(rows, 3, (last) => [last.id])).toEqual({ page: rows, next: {} });
    expect(afterParam(undefined, 2)).toBeUndefined();
  });

  it('answers 400 for a cursor it did not give out, and for a limit that is not an integer', () => {
    const notOurs = { status: 400, message: 'after is not a cursor this API gave out; pass paging.next.after from the previous page.' };
    for (const bad of ['', 'garbage', encodeCursor(['x', 'a']), encodeCursor(['1']), encodeCursor(['1234567890123456', 'a']), Buffer.from('{"a":1}').toString('base64url')]) {
      expect(refused(() => afterParam(bad, 2))).toEqual(notOurs);
    }
    expect(refused(() => pageLimit(Infinity, 20, 100))).toEqual({ status: 400, message: 'limit must be an integer from 1 to 100.' });
    expect(pageLimit(undefined, 20, 100)).toBe(20);
    expect(pageLimit(7, 20, 100)).toBe(7);
  });
});
