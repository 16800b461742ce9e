// The recorder's contract with whatever stores hits (the HitStore on the background thread): hits are
// answered without waiting for it, handed over one batch at a time in the order answered as ranges of
// the journal (the store reads them from the file), kept in the journal until stored, and a sender's
// self-view is ordered after the hits before it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/server/logger.js';
import { sortableId } from '../../src/server/secrets.js';
import { readJournalLines } from '../../src/server/journal.js';
import { HitRecorder, type HitSink, type JournalRange, type RawHit, type StoredRange } from '../../src/server/tracking/recorder.js';
import type { MailRef } from '../../src/server/tracking/tokens.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function journalDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mb-recorder-'));
  dirs.push(dir);
  return dir;
}

const hit = (n: number): RawHit => ({ id: `hit-${n}`, at: Date.now(), kind: 'o', ref: { t: 'mail' }, method: 'GET', ip: '203.0.113.9', headers: {} });
const journalLines = (dir: string) => fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('').split('\n').filter(Boolean).length;

/** A store that reads its batches from the journal as the HitStore does, records them in order, and can be held or made to fail. */
class ScriptedSink implements HitSink {
  log: string[] = [];
  batches: string[][] = [];
  failNext = 0;
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;

  hold() {
    this.gate = new Promise((r) => (this.open = r));
  }
  release() {
    this.open?.();
    this.gate = undefined;
  }
  async storeJournal(range: JournalRange): Promise<StoredRange> {
    this.log.push(`store from ${range.from}`);
    await this.gate;
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('database is down');
    }
    const { lines, next } = readJournalLines(range.file, range.from, range.to, range.max);
    if (lines.length) this.batches.push(lines.map((l) => (JSON.parse(l) as RawHit).id));
    return { created: [], count: lines.length, next };
  }
  forget(ref: MailRef) {
    this.log.push(`forget ${JSON.stringify(ref)}`);
  }
  async selfViewed(ref: MailRef) {
    this.log.push(`selfViewed ${JSON.stringify(ref)}`);
  }
  async inferOpen() {
    return { recorded: false, created: [] };
  }
}

async function recorderWith(sink: HitSink, dir = journalDir()) {
  const recorder = new HitRecorder({ sink, logger: createLogger('silent'), journalDir: dir, onNotifications: () => undefined, batchMs: 5 });
  await recorder.start();
  return { recorder, dir };
}

describe('the hit recorder', () => {
  it('answers while the store is busy, then stores everything in order, one batch at a time', async () => {
    const sink = new ScriptedSink();
    const { recorder, dir } = await recorderWith(sink);
    sink.hold();
    recorder.record(hit(0));
    await expect.poll(() => sink.log.length).toBe(1); // the first batch is with the store, held
    for (let n = 1; n <= 1200; n++) recorder.record(hit(n)); // returns at once each time
    expect(journalLines(dir)).toBe(1201);
    sink.release();
    await recorder.stop();
    expect(sink.batches.flat()).toEqual(Array.from({ length: 1201 }, (_, n) => `hit-${n}`));
    // Never more than one batch at the store, and batches of at most 200.
    expect(sink.batches.map((b) => b.length)).toEqual([1, 200, 200, 200, 200, 200, 200]);
    expect(fs.readdirSync(dir)).toEqual([]); // all stored: the journal is gone
  });

  it('keeps a batch the store refused in the journal, and stores it on the retry', async () => {
    const sink = new ScriptedSink();
    const { recorder, dir } = await recorderWith(sink);
    sink.failNext = 1;
    recorder.record(hit(1));
    recorder.record(hit(2));
    await expect.poll(() => sink.log.length).toBe(1);
    expect(sink.batches).toEqual([]);
    expect(journalLines(dir)).toBe(2);
    await expect.poll(() => sink.batches, { timeout: 3000 }).toEqual([['hit-1', 'hit-2']]); // retried after a second
    await recorder.stop();
  });

  it('forgets the mail, stores the hits answered before a self-view, then corrects them', async () => {
    const sink = new ScriptedSink();
    const { recorder } = await recorderWith(sink);
    recorder.record(hit(1));
    await recorder.selfViewed({ t: 'mail' }, Date.now());
    expect(sink.log).toEqual(['forget {"t":"mail"}', 'store from 0', 'selfViewed {"t":"mail"}']);
    expect(sink.batches).toEqual([['hit-1']]);
    await recorder.stop();
  });

  it('replays the journal a dead process left behind, through the store', async () => {
    const dir = journalDir();
    // A journal as a killed process leaves it: another pid of this host, no longer running.
    const orphan = path.join(dir, `hits-${os.hostname()}-999999-dead01.log`);
    fs.writeFileSync(orphan, [hit(7), hit(8)].map((h) => JSON.stringify(h)).join('\n') + '\n{"cut sh');
    const sink = new ScriptedSink();
    const { recorder } = await recorderWith(sink, dir);
    expect(sink.batches).toEqual([['hit-7', 'hit-8']]); // the line cut short by the crash is skipped
    expect(fs.existsSync(orphan)).toBe(false);
    await recorder.stop();
  });

  it('replays a long orphan journal a batch at a time, never reading it whole', async () => {
    const dir = journalDir();
    const orphan = path.join(dir, `hits-${os.hostname()}-999998-dead02.log`);
    fs.writeFileSync(orphan, Array.from({ length: 450 }, (_, n) => JSON.stringify(hit(n)) + '\n').join(''));
    const sink = new ScriptedSink();
    const { recorder } = await recorderWith(sink, dir);
    expect(sink.batches.map((b) => b.length)).toEqual([200, 200, 50]);
    expect(sink.batches.flat()).toEqual(Array.from({ length: 450 }, (_, n) => `hit-${n}`));
    expect(fs.existsSync(orphan)).toBe(false);
    await recorder.stop();
  });

  it('starts the journal again once everything is stored, and reads the next hits from its start', async () => {
    const sink = new ScriptedSink();
    const { recorder } = await recorderWith(sink);
    recorder.record(hit(1));
    await expect.poll(() => sink.batches.length).toBe(1);
    await expect.poll(() => sink.log).toEqual(['store from 0']);
    recorder.record(hit(2));
    await recorder.stop();
    expect(sink.log).toEqual(['store from 0', 'store from 0']); // truncated after the first: offsets start over
    expect(sink.batches).toEqual([['hit-1'], ['hit-2']]);
  });
});

describe('reading journal lines', () => {
  it('reads whole lines between two offsets, at most so many, and leaves out a line cut short', () => {
    const file = path.join(journalDir(), 'hits-x.log');
    const lines = ['{"a":1}', '{"b":"ünïcode ✓"}', '{"c":3}'];
    fs.writeFileSync(file, lines.map((l) => l + '\n').join('') + '{"cut');
    const size = fs.statSync(file).size;
    const all = readJournalLines(file, 0, size, 10);
    expect(all.lines).toEqual(lines);
    expect(all.next).toBe(size - '{"cut'.length);
    const two = readJournalLines(file, 0, size, 2);
    expect(two.lines).toEqual(lines.slice(0, 2));
    expect(readJournalLines(file, two.next, size, 10).lines).toEqual([lines[2]]);
    // Only what lies before `end` (the size the writer reported) is read.
    expect(readJournalLines(file, 0, Buffer.byteLength(lines[0] + '\n'), 10).lines).toEqual([lines[0]]);
    expect(readJournalLines(file, all.next, size, 10)).toEqual({ lines: [], next: all.next });
  });
});

describe('sortable ids', () => {
  it('sort by creation time and do not repeat', async () => {
    const first = Array.from({ length: 2000 }, () => sortableId());
    await new Promise((r) => setTimeout(r, 5));
    const later = sortableId();
    expect(new Set(first).size).toBe(2000);
    expect(first.every((id) => /^[a-z0-9]{25}$/.test(id))).toBe(true);
    expect(first.every((id) => id < later)).toBe(true);
  });
});
