// What one template render may cost (README "Template rendering"): parsing and rendering every part
// of one template for one recipient. Renders run in the sandbox (src/server/sandbox), a child process
// that is killed when it passes the time limit and that V8 stops at the heap limit; LiquidJS's own
// counters stop most runaway loops sooner, and those are reported as the same limits.
export const RENDER_LIMITS = {
  /** Wall-clock milliseconds of one render, parsing included. */
  ms: 1000,
  /** The JavaScript heap of a sandbox process, in MB. */
  heapMb: 128,
  /** Characters of one rendered email (subject, HTML and text together). */
  chars: 2_000_000,
} as const;

export type Limit = 'time' | 'memory' | 'size';

/** What a user reads when a render was stopped: which limit, its value, and what to change. */
export function limitMessage(limit: Limit, phase: 'parsed' | 'rendered'): string {
  const hint = phase === 'parsed' ? 'Use fewer tags or nest them less deeply.' : limit === 'time' ? 'Loop over less or use fewer filters.' : 'Loop over less or build shorter strings.';
  if (limit === 'time') return `the template cannot be ${phase} in ${RENDER_LIMITS.ms / 1000} s, the time one render may take; it was stopped. ${hint}`;
  if (limit === 'memory') return `the template cannot be ${phase} in ${RENDER_LIMITS.heapMb} MB, the memory one render may use; it was stopped. ${hint}`;
  return `the template cannot be rendered in ${RENDER_LIMITS.chars.toLocaleString('en-US')} characters, the most one rendered email may have. Loop over less.`;
}

/** LiquidJS's own limit errors ("template render limit exceeded", "memory alloc limit exceeded") and V8's refusals of huge strings and arrays. */
export function liquidLimit(err: Error): Limit | undefined {
  if (/template render limit exceeded/.test(err.message)) return 'time';
  if (/memory alloc limit exceeded|Invalid (string|array) length/.test(err.message)) return 'memory';
  return undefined;
}
