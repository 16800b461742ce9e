// Durable commits without blocking the event loop. SQLite runs with synchronous=NORMAL: a commit
// writes its WAL frames but does not wait for the disk. Before we answer anyone who was promised
// durability (an accepted message, a created token), we await one fdatasync of the WAL file, done on
// libuv's thread pool. An fsync flushes everything written to the file before it started, so every
// commit made before a sync began is durable when it ends, and concurrent waiters share one sync:
// group commit, for free.
import fs from 'node:fs';

export class WalSync {
  private handle: fs.promises.FileHandle | undefined;
  private inode = 0;
  /** The sync under way, and the one queued behind it for callers who arrived during it. */
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  constructor(private readonly walFile: string) {}

  /** Resolves once every commit made before this call is on disk. */
  sync(): Promise<void> {
    if (!this.running) return (this.running = this.run().finally(() => (this.running = undefined)));
    // A sync already under way may have started before our commit: wait for the next one.
    if (!this.queued) this.queued = this.running.then(() => ((this.queued = undefined), this.sync()));
    return this.queued;
  }

  async close(): Promise<void> {
    await this.running;
    await this.queued;
    await this.handle?.close();
    this.handle = undefined;
  }

  private async run(): Promise<void> {
    const handle = await this.open();
    if (handle) await handle.datasync();
  }

  /** The WAL file, reopened if SQLite replaced it (no file yet: nothing was written). */
  private async open(): Promise<fs.promises.FileHandle | undefined> {
    const stat = await fs.promises.stat(this.walFile).catch(() => undefined);
    if (!stat) return undefined;
    if (this.handle && stat.ino === this.inode) return this.handle;
    await this.handle?.close();
    this.handle = await fs.promises.open(this.walFile, 'r');
    this.inode = stat.ino;
    return this.handle;
  }
}
