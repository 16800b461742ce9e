// V8 doubles a thread's young generation whenever much of it survives a collection, up to 2 × 16 MB,
// and never gives it back: loading the server's code did that at start-up, and the main thread then
// kept 32 MB resident for a heap of 25 MB live, idle or busy. Kept at its first size (2 × 1 MB), it
// is collected more often instead (README, Benchmarks: peak RSS). The background thread's is capped
// by its own resourceLimits.
import v8 from 'node:v8';

/**
 * Call before the server's code loads, and again once a worker thread is online: V8 configures each
 * new isolate's heap with a growth factor of at least 2 and writes that into the process-wide flag
 * (Heap::ConfigureHeap), so every worker's start undoes this for the main thread too.
 */
export function keepYoungGenerationSmall(): void {
  v8.setFlagsFromString('--semi-space-growth-factor=1');
}
