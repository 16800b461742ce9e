// How big V8 lets each thread's heap grow (README, Benchmarks: peak RSS).
// Young generation: V8 doubles it whenever much of it survives a collection, up to 2 × 16 MB, and
// never gives it back: loading the server's code did that at start-up, and the main thread then kept
// 32 MB resident for a heap of 25 MB live, idle or busy. Kept at its first size (2 × 1 MB), it is
// collected more often instead. The background thread's is capped by its own resourceLimits.
// Old generation: after each full collection V8 lets it grow to up to 4 × what survived before the
// next one (fewer collections while the heap is small). Under pixel load both threads' old spaces
// filled with promoted batch garbage to 2–3 × their live data before a collection came; at 1.5 × the
// peak fell by about 10 MB with no throughput lost that the benchmark could see.
import v8 from 'node:v8';

/**
 * Call before the server's code loads, and again once a worker thread is online: V8 configures each
 * new isolate's heap with a growth factor of at least 2 and writes that into the process-wide flag
 * (Heap::ConfigureHeap), so every worker's start undoes this for the main thread too.
 */
export function keepHeapsSmall(): void {
  v8.setFlagsFromString('--semi-space-growth-factor=1');
  v8.setFlagsFromString('--heap-growing-percent=50');
}
