// Time from process start to `GET /health` answering 200, next to a bare node:http process doing the
// same (the cost of starting Node itself). Target: < 1.5 s.
import { spawn } from 'node:child_process';
import { freePort, median, startServer, waitHealthy } from './lib.mjs';

const RUNS = 5;

async function bareStartup() {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, ['-e', `require('http').createServer((q,s)=>s.end('{"status":"ok"}')).listen(${port},'127.0.0.1')`]);
  const ms = await waitHealthy(`http://127.0.0.1:${port}/health`, t0, child);
  child.kill();
  return ms;
}

export async function run({ log }) {
  const ours = [];
  const bare = [];
  for (let i = 0; i < RUNS; i++) {
    const s = await startServer(); // a new DATA_DIR each time: migrations and certificate included
    ours.push(s.startupMs);
    await s.stop();
    bare.push(await bareStartup());
    log(`run ${i + 1}/${RUNS}: ${ours[i].toFixed(0)} ms (bare node ${bare[i].toFixed(0)} ms)`);
  }
  const value = median(ours);
  const baseline = median(bare);
  return [{ figure: 'start → /health (fresh DATA_DIR, median of 5)', value, unit: 'ms', baseline, ratio: value / baseline, target: '< 1500 ms', met: value < 1500 }];
}
