// V8 doubles a thread's young generation whenever much of it survives a collection, up to 2 × 16 MB,
// and never gives it back: loading the server's code did that at start-up, and the main thread then
// kept 32 MB resident for a heap of 25 MB live, idle or busy. Kept at its first size (2 × 1 MB), it
// is collected more often instead (README, Benchmarks: peak RSS). The background thread's is capped
// by its own resourceLimits.
import v8 from 'node:v8';

/**
 * Call before the server's code loads, and again after starting a worker thread: Node sets V8's
 * flags back to the process's own when it starts one.
 */
export function keepYoungGenerationSmall(): void {
  v8.setFlagsFromString('--semi-space-growth-factor=1');
}
