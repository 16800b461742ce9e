// A sandbox process (pool.ts starts it with a heap limit and kills it when a job runs too long): it
// takes the tracking keys, says it is ready, then runs one job at a time and answers each.
import { configure, describeError, runJob } from './jobs.js';
import type { FromChild, ToChild } from './protocol.js';

const send = (m: FromChild) => void process.send!(m);

/** `finished` first: it is small, so the server stops the clock before a big answer has arrived. */
function answer(m: Extract<FromChild, { type: 'done' | 'failed' }>): void {
  send({ type: 'finished', id: m.id });
  send(m);
}

process.on('message', (m: ToChild) => {
  if (m.type === 'init') {
    configure(m.trackingKeys);
    send({ type: 'ready' });
  } else if (m.type === 'job') {
    const id = m.id;
    send({ type: 'started', id });
    runJob(m.job).then(
      (value) => answer({ type: 'done', id, value }),
      (err: unknown) => answer({ type: 'failed', id, error: describeError(err) }),
    );
  }
});

// The server ends this process by closing the pipe (also when it dies, even by kill -9). A Ctrl-C
// or SIGTERM sent to the whole process group must not end a render the server is still waiting for
// while it shuts down gracefully.
process.on('disconnect', () => process.exit(0));
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
