// Polling for a condition a test waits on (a server doing work in the background).

/** Waits (up to `ms`) until `probe` answers something truthy, checking every 100 ms. */
export async function until<T>(probe: () => Promise<T | undefined | null | false>, ms = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
