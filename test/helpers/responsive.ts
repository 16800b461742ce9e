// Whether the server keeps answering while one request does heavy work: `GET /health` is asked again
// and again, each on a fresh connection (a keep-alive socket the server closed while it was stalled
// would only add noise), until the work settles, and every wait is recorded.
import http from 'node:http';

/** How long one `GET /health` took, in milliseconds. */
function healthWait(baseUrl: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get(`${baseUrl}/health`, { agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(performance.now() - started));
      })
      .on('error', reject);
  });
}

export interface Probed<T> {
  value: T;
  /** Milliseconds from the start of the work to its end. */
  ms: number;
  /** Milliseconds each `/health` took while the work ran. */
  waits: number[];
}

/** Runs `work` and asks for `/health` every `gapMs` (after a first gap) until it settles. */
export async function probeHealthDuring<T>(baseUrl: string, work: () => Promise<T>, gapMs = 50): Promise<Probed<T>> {
  const started = performance.now();
  let done = false;
  const running = work().finally(() => (done = true));
  const waits: number[] = [];
  const probing = (async () => {
    await new Promise((r) => setTimeout(r, gapMs));
    while (!done) {
      waits.push(await healthWait(baseUrl));
      await new Promise((r) => setTimeout(r, gapMs));
    }
  })();
  let ms = 0;
  // Both awaited together: a failure of either fails the test, and neither is left unhandled.
  const [value] = await Promise.all([running.then((v) => ((ms = performance.now() - started), v)), probing]);
  return { value, ms, waits };
}
