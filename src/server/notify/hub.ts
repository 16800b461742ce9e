// Live notification listeners of this process (SSE connections), by user.
import type { StoredNotification } from '../store/notifications.js';

export interface Listener {
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
