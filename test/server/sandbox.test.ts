// The sandbox pool on its own (src/server/sandbox/pool.ts) with the bundled sandbox process: a job
// that runs out of heap or time fails with the limit it passed, the process that ran it is replaced
// and the next job runs; waiting jobs are bounded. The server-level behaviour is in
// test/send/render-limits.test.ts.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { SERVER_OUT } from '../../scripts/build-server.mjs';
import { LimitExceeded, type PoolOptions, SandboxBusy, SandboxPool } from '../../src/server/sandbox/pool.js';

const ENTRY = pathToFileURL(path.join(SERVER_OUT, 'sandbox.js'));
const source = (html: string) => ({ subject: 's', html, text: null });
const render = (html: string) => ({ kind: 'render' as const, source: source(html), scope: { contact: {}, custom: {} }, options: { marketing: false, lenient: true } });

describe('sandbox pool', () => {
  let pool: SandboxPool | undefined;
  const start = (o: Partial<PoolOptions> = {}) => {
    pool = new SandboxPool({ entry: ENTRY, size: 1, timeLimitMs: 5000, heapLimitMb: 128, maxQueue: 10, trackingKeys: [{ id: 'k1', secret: 'x'.repeat(32) }], logger: pino({ level: 'silent' }), ...o });
    return pool;
  };
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  it('fails a job that runs out of heap with the memory limit, and runs the next one', async () => {
    // A small heap, so that V8 gives up long before the time limit.
    const p = start({ heapLimitMb: 32 });
    const err = await p.run(render('{{ (1..19000000) | reverse | size }}')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LimitExceeded);
    expect(err).toMatchObject({ limit: 'memory', amount: '32 MB' });
    expect(await p.run(render('Hi {{ "there" | upcase }}'))).toMatchObject({ html: 'Hi THERE' });
  });

  it('kills a job past its time limit, and runs the next one', async () => {
    const p = start({ timeLimitMs: 300 });
    const started = Date.now();
    const err = await p.run(render('{{ (1..10000000) | sort | size }}')).catch((e: unknown) => e);
    expect(err).toMatchObject({ limit: 'time', amount: '0.3 s' });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await p.run({ kind: 'check', source: source('{{ x }}') })).toBeNull();
  });

  it('refuses jobs past the queue bound with SandboxBusy (a 503)', async () => {
    const p = start({ maxQueue: 1 });
    const first = p.run({ kind: 'check', source: source('a') }); // waits for the process to start
    await expect(p.run({ kind: 'check', source: source('b') })).rejects.toBeInstanceOf(SandboxBusy);
    expect(await first).toBeNull();
  });
});
