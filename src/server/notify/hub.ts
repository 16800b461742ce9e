// Live notification listeners of this process (SSE connections), by user, each with the credential
// it was opened with (so that revoking it can end it).
import type { StoredNotification } from '../store/notifications.js';

export interface Listener {
  /** The access token the stream was opened with. */
  tokenId: string;
  send(item: StoredNotification): void;
  close(): void;
}

export class NotificationHub {
  private byUser = new Map<string, Set<Listener>>();

  subscribe(userId: string, listener: Listener): () => void {
    let set = this.byUser.get(userId);
    if (!set) this.byUser.set(userId, (set = new Set()));
    set.add(listener);
    return () => {
      set!.delete(listener);
      if (!set!.size) this.byUser.delete(userId);
    };
  }

  deliver(items: StoredNotification[]): void {
    for (const item of items) for (const l of this.byUser.get(item.userId) ?? []) l.send(item);
  }

  /** The live listeners of one user, or of everyone. */
  listeners(userId?: string): Listener[] {
    if (userId !== undefined) return [...(this.byUser.get(userId) ?? [])];
    return [...this.byUser.values()].flatMap((set) => [...set]);
  }

  /** Users with at least one live listener here. */
  users(): string[] {
    return [...this.byUser.keys()];
  }

  get size(): number {
    let n = 0;
    for (const set of this.byUser.values()) n += set.size;
    return n;
  }

  /** Ends every stream (shutdown): clients reconnect elsewhere with Last-Event-ID. */
  closeAll(): void {
    for (const set of this.byUser.values()) for (const l of [...set]) l.close();
    this.byUser.clear();
  }
}
