// A local append-only journal for facts that must survive the process between an effect outside
// our control and its database commit: "the relay took delivery X", "we answered tracking hit Y".
// Appends are synchronous writes (microseconds, no fsync): a killed process leaves them in the OS
// page cache, and the next process on this machine replays them before doing anything else.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { newId } from './secrets.js';

/** Journals this process has open: its own, never replayed as orphans. */
const openHere = new Set<string>();

export class Journal<T> {
  private fd: number;
  private pending = 0;
  /** Bytes in the file now (it is truncated to 0 when everything appended was settled). */
  size = 0;
  readonly file: string;

  constructor(dir: string, readonly name: string) {
    fs.mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, `${name}-${os.hostname()}-${process.pid}-${newId(6)}.log`);
    this.fd = fs.openSync(this.file, 'a');
    openHere.add(this.file);
  }

  /** Records `entry` before the caller acts on it; pair with `settled()` once it is committed. */
  append(entry: T): void {
    const bytes = Buffer.from(JSON.stringify(entry) + '\n');
    fs.writeSync(this.fd, bytes);
    this.size += bytes.length;
    this.pending++;
  }

  /** Entries appended and not yet settled. */
  get unsettled(): number {
    return this.pending;
  }

  /** `count` appended entries are now in the database; an empty journal is truncated. */
  settled(count = 1): void {
    this.pending = Math.max(0, this.pending - count);
    if (this.pending === 0) {
      fs.ftruncateSync(this.fd, 0);
      this.size = 0;
    }
  }

  close(): void {
    openHere.delete(this.file);
    fs.closeSync(this.fd);
    if (this.pending === 0) fs.rmSync(this.file, { force: true });
  }
}

let readBuffer: Buffer | undefined;

/**
 * Up to `max` whole lines of a journal from byte `offset` to `end`, and the offset after them. Appends
 * are whole lines written synchronously, so what lies before the size the writer reported is complete;
 * a line a crash cut short (no newline) is left out. Read by whichever thread acts on the entries, so
 * the writer keeps only offsets, never the entries themselves.
 */
export function readJournalLines(file: string, offset: number, end: number, max: number): { lines: string[]; next: number } {
  const lines: string[] = [];
  let next = offset;
  const fd = fs.openSync(file, 'r');
  try {
    // One buffer per thread, kept: the lines are copied out of it before this returns.
    const chunk = (readBuffer ??= Buffer.allocUnsafe(256 * 1024));
    while (lines.length < max && next < end) {
      const n = fs.readSync(fd, chunk, 0, Math.min(chunk.length, end - next), next);
      if (!n) break;
      let start = 0;
      for (let nl = chunk.indexOf(10, 0); nl !== -1 && nl < n && lines.length < max; nl = chunk.indexOf(10, start)) {
        lines.push(chunk.toString('utf8', start, nl));
        start = nl + 1;
      }
      if (!start) {
        if (n < chunk.length) break; // the last line is incomplete
        throw new Error(`journal line at ${next} is longer than ${chunk.length} bytes`);
      }
      next += start;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { lines, next };
}

/** Journals left behind by processes of this machine that are gone: theirs to replay. */
export function orphanJournals(dir: string, name: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const host = os.hostname();
  return fs.readdirSync(dir).flatMap((file) => {
    const m = new RegExp(`^${name}-(.+)-(\\d+)-[a-z0-9]+\\.log$`).exec(file);
    const full = path.join(dir, file);
    // Our own pid on a journal we did not open is a predecessor's: a restarted container gets the
    // same pid (often 1) every time, and its journal must still be replayed.
    return !m || m[1] !== host || openHere.has(full) || (Number(m[2]) !== process.pid && alive(Number(m[2]))) ? [] : [full];
  });
}

/**
 * Entries of journals left behind by processes of this machine that are gone. `apply` must be
 * idempotent (an entry may already be committed); a journal is deleted once applied.
 */
export async function replayOrphans<T>(dir: string, name: string, apply: (entries: T[]) => Promise<void>): Promise<number> {
  let replayed = 0;
  for (const full of orphanJournals(dir, name)) {
    const entries = fs
      .readFileSync(full, 'utf8')
      .split('\n')
      .filter(Boolean)
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as T];
        } catch {
          return []; // a line cut short by the crash was never acted on
        }
      });
    if (entries.length) await apply(entries);
    fs.rmSync(full, { force: true });
    replayed += entries.length;
  }
  return replayed;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Processes of this machine that have a journal open in `dir`: servers running on this data directory. */
export function liveWriters(dir: string): number[] {
  if (!fs.existsSync(dir)) return [];
  const host = os.hostname();
  const pids = new Set<number>();
  for (const file of fs.readdirSync(dir)) {
    const m = /^[a-z]+-(.+)-(\d+)-[a-z0-9]+\.log$/.exec(file);
    if (m && m[1] === host && Number(m[2]) !== process.pid && alive(Number(m[2]))) pids.add(Number(m[2]));
  }
  return [...pids];
}
