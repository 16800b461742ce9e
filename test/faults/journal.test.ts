// Regression: the local journal (answered tracking hits, deliveries the relay took) must be replayed
// after kill -9 even when the new process has the dead one's pid — which a restarted container always
// has (pid 1, same hostname). It used to be taken for the new process's own journal and skipped for
// good: the hits were lost and the deliveries sent again once their leases ran out.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal, replayOrphans } from '../../src/server/journal.js';

describe('replaying the journals of dead processes', () => {
  let dir: string;
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const replay = async () => {
    const seen: unknown[] = [];
    const n = await replayOrphans(dir, 'hits', async (entries) => void seen.push(...entries));
    return { n, seen };
  };

  it("replays a predecessor's journal that carries this process's pid, and never this process's own", async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mb-journal-'));
    // As a container restarted after kill -9 finds it: same hostname, same pid; the last line cut short.
    const left = path.join(dir, `hits-${os.hostname()}-${process.pid}-k1ll3d.log`);
    fs.writeFileSync(left, '{"id":"a"}\n{"id":"b"}\n{"id":"c');
    const own = new Journal<{ id: string }>(dir, 'hits');
    own.append({ id: 'mine' });

    expect(await replay()).toEqual({ n: 2, seen: [{ id: 'a' }, { id: 'b' }] });
    expect(fs.existsSync(left)).toBe(false);
    expect(await replay()).toEqual({ n: 0, seen: [] }); // its own open journal stays its own
    own.settled();
    own.close();
  });

  it('leaves alone the journal of a live process', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mb-journal-'));
    const sibling = path.join(dir, `hits-${os.hostname()}-${process.ppid}-s1bl1n.log`);
    fs.writeFileSync(sibling, '{"id":"a"}\n');
    expect(await replay()).toEqual({ n: 0, seen: [] });
    expect(fs.existsSync(sibling)).toBe(true);
  });
});
