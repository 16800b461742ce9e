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
  private readFd: number | undefined;
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

  /** Records `entry` before the caller acts on it; pair with `settled()` once it is committed. Answers the line written. */
  append(entry: T): string {
    const line = JSON.stringify(entry);
    const bytes = Buffer.from(line + '\n');
    fs.writeSync(this.fd, bytes);
    this.size += bytes.length;
    this.pending++;
    return line;
  }

  /**
   * Up to `max` whole lines written from byte `offset` on, and the offset after them: entries a caller
   * left on disk rather than keep in memory (the tracking recorder under overload).
   */
  readLines(offset: number, max: number): { lines: string[]; next: number } {
    this.readFd ??= fs.openSync(this.file, 'r');
    const lines: string[] = [];
    let next = offset;
    const chunk = Buffer.alloc(256 * 1024);
    while (lines.length < max && next < this.size) {
      const n = fs.readSync(this.readFd, chunk, 0, Math.min(chunk.length, this.size - next), next);
      if (!n) break;
      let start = 0;
      for (let nl = chunk.indexOf(10, 0); nl !== -1 && nl < n && lines.length < max; nl = chunk.indexOf(10, start)) {
        lines.push(chunk.toString('utf8', start, nl));
        start = nl + 1;
      }
      if (!start) throw new Error(`journal line at ${next} is longer than ${chunk.length} bytes`);
      next += start;
    }
    return { lines, next };
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
    if (this.readFd !== undefined) fs.closeSync(this.readFd);
    if (this.pending === 0) fs.rmSync(this.file, { force: true });
  }
}

/**
 * Entries of journals left behind by processes of this machine that are gone. `apply` must be
 * idempotent (an entry may already be committed); a journal is deleted once applied.
 */
export async function replayOrphans<T>(dir: string, name: string, apply: (entries: T[]) => Promise<void>): Promise<number> {
  if (!fs.existsSync(dir)) return 0;
  let replayed = 0;
  const host = os.hostname();
  for (const file of fs.readdirSync(dir)) {
    const m = new RegExp(`^${name}-(.+)-(\\d+)-[a-z0-9]+\\.log$`).exec(file);
    const full = path.join(dir, file);
    // Our own pid on a journal we did not open is a predecessor's: a restarted container gets the
    // same pid (often 1) every time, and its journal must still be replayed.
    if (!m || m[1] !== host || openHere.has(full) || (Number(m[2]) !== process.pid && alive(Number(m[2])))) continue;
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
