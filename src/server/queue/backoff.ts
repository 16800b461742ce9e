// Exponential back-off with jitter: base × 2^(attempt−1), capped, then spread ±50% so that a burst
// of failures does not retry in lockstep against a relay that is coming back.
export function retryDelay(attempt: number, base: number, max: number, random = Math.random): number {
  const exp = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp * (0.5 + random()));
}
