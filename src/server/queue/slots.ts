// Relay slots: how many deliveries one relayer may hold at once. Deliveries being accepted right now
// reserve theirs before they are inserted (already leased to the relayer), so the acceptor never hands
// over more than the relayer can start. Used by the relayer itself (DeliveryWorker) and by the main
// thread's view of the background thread, which counts in flight what the thread last reported.
export class RelaySlots {
  private reserved = 0;

  /** `capacity` slots in all; `busy()` is how many deliveries are in flight now. */
  constructor(
    private readonly capacity: number,
    private readonly busy: () => number,
  ) {}

  /** Slots neither in flight nor reserved. */
  free(): number {
    return this.capacity - this.busy() - this.reserved;
  }

  /** Reserves up to `n` free slots (none while `open` is false); answers how many it reserved. */
  reserve(n: number, open = true): number {
    const slots = open ? Math.max(0, Math.min(n, this.free())) : 0;
    this.reserved += slots;
    return slots;
  }

  /** Gives back reserved slots: their deliveries started, or their insert failed. */
  release(n: number): void {
    this.reserved = Math.max(0, this.reserved - n);
  }
}
