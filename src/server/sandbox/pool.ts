// The sandbox: a small pool of child processes for work that must neither stall the event loop nor
// be able to exhaust the server's memory — parsing and rendering templates, rewriting big bodies.
// Each job has a wall-clock limit (its process is killed past it) and each process a heap limit (V8
// ends that process, never the server). Processes, not worker threads: a worker thread that reaches
// its resourceLimits can abort the whole server (nodejs/node#47224; `{{ (1..19000000) | reverse }}`
// did so here every time).
// One process starts with the server and stays warm; a second starts when a job finds the first busy;
// one that was killed is replaced when a job needs it (the last one at once). Jobs run one at a time
// per process, in arrival order.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TrackingKey } from '../config.js';
import type { Logger } from '../logger.js';
import type { FromChild, Job, JobError, JobOf, Results, ToChild } from './protocol.js';

export interface PoolOptions {
  /** The bundled entry.ts. */
  entry: URL;
  /** Processes at most. */
  size: number;
  /** Of a job that names none. */
  timeLimitMs: number;
  heapLimitMb: number;
  /** Jobs that may wait for a process; more are refused (SandboxBusy). */
  maxQueue: number;
  trackingKeys: TrackingKey[];
  logger: Logger;
}

/** The job was stopped by the time limit or by its process's heap limit. */
export class LimitExceeded extends Error {
  constructor(
    readonly limit: 'time' | 'memory',
    /** The limit as a person reads it: `1 s`, `128 MB`. */
    readonly amount: string,
  ) {
    super(`the sandbox stopped a job at its ${limit} limit (${amount})`);
  }
}

/** The job failed inside the sandbox; `error` says how. */
export class JobFailed extends Error {
  constructor(readonly error: JobError) {
    super(error.message);
  }
}

/** A job that failed because memory ran out: a render limit, or V8 refusing a string or array that big. */
function exhaustedMemory(error: JobError): boolean {
  if (error.name === 'RenderLimitExceeded') return error.limit === 'memory';
  return error.name === 'Error' && /Invalid (string|array|typed array) length|allocation failed|out of memory/i.test(error.message);
}

/** Too many jobs wait already. `statusCode` makes it a 503 for the HTTP error handler. */
export class SandboxBusy extends Error {
  readonly statusCode = 503;
}

interface Task {
  job: Job;
  timeLimitMs: number;
  resolve(value: unknown): void;
  reject(err: Error): void;
}

interface Child {
  process: ChildProcess;
  /** dying: killed for its time limit, its exit not seen yet. */
  state: 'starting' | 'idle' | 'busy' | 'dying';
  /** It said it was ready once: a process that dies before never gets a successor in a loop. */
  started: boolean;
  task?: Task & { id: number; timer?: NodeJS.Timeout };
  /** The end of its stderr: V8 writes why it ended there. */
  stderr: string;
}

export class SandboxPool {
  private readonly children: Child[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly o: PoolOptions) {}

  /** Starts the first process, so the first job does not wait for one. */
  warm(): void {
    if (!this.children.length) this.spawn();
  }

  run<K extends Job['kind']>(job: JobOf<K>, timeLimitMs = this.o.timeLimitMs): Promise<Results[K]> {
    if (this.closed) return Promise.reject(new Error('the sandbox is closed'));
    if (this.queue.length >= this.o.maxQueue) return Promise.reject(new SandboxBusy(`${this.o.maxQueue} jobs wait for the sandbox already; retry shortly.`));
    return new Promise((resolve, reject) => {
      this.queue.push({ job, timeLimitMs, resolve: resolve as (v: unknown) => void, reject });
      this.pump();
    });
  }

  /** Ends every process; jobs still waiting fail. Called once no request needs the sandbox. */
  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) task.reject(new Error('the sandbox is closed'));
    await Promise.all(
      this.children.map(
        (c) =>
          new Promise<void>((resolve) => {
            c.process.once('close', () => resolve());
            c.process.kill('SIGKILL');
          }),
      ),
    );
  }

  private pump(): void {
    for (const child of this.children) {
      if (!this.queue.length) return;
      if (child.state === 'idle') this.dispatch(child, this.queue.shift()!);
    }
    const starting = this.children.some((c) => c.state === 'starting');
    if (this.queue.length && !starting && this.children.length < this.o.size && !this.closed) this.spawn();
  }

  private dispatch(child: Child, task: Task): void {
    const id = this.nextId++;
    child.state = 'busy';
    child.task = { ...task, id };
    this.startClock(child); // again when the process says it started: the job's way there does not count
    this.post(child, { type: 'job', id, job: task.job });
  }

  private startClock(child: Child): void {
    const task = child.task!;
    clearTimeout(task.timer);
    // After the timeout, one more turn of the event loop: a `finished` already in the pipe (the loop
    // was busy elsewhere) is read before the process is killed for nothing.
    const timer = setTimeout(() => setImmediate(() => child.task === task && task.timer === timer && this.timeUp(child)), task.timeLimitMs);
    task.timer = timer;
  }

  private timeUp(child: Child): void {
    const task = child.task!;
    child.task = undefined;
    child.state = 'dying';
    child.process.kill('SIGKILL');
    task.reject(new LimitExceeded('time', `${task.timeLimitMs / 1000} s`));
  }

  private spawn(): void {
    const proc = fork(fileURLToPath(this.o.entry), [], {
      execArgv: [`--max-old-space-size=${this.o.heapLimitMb}`],
      env: {}, // it needs nothing of the server's environment (credentials among it)
      serialization: 'advanced', // strings and buffers as they are, no JSON round trip
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const child: Child = { process: proc, state: 'starting', started: false, stderr: '' };
    this.children.push(child);
    // The server's lifetime is its own: a pool never keeps a process alive that has nothing else to do.
    proc.unref();
    proc.channel?.unref();
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => (child.stderr = (child.stderr + d).slice(-2000)));
    proc.on('message', (m: FromChild) => this.received(child, m));
    proc.on('error', (err) => this.o.logger.warn({ err }, 'sandbox process error'));
    proc.on('close', (code, signal) => this.ended(child, code, signal));
    this.post(child, { type: 'init', trackingKeys: this.o.trackingKeys });
  }

  private post(child: Child, message: ToChild): void {
    // A process that just died cannot take it; its 'close' settles the job.
    child.process.send(message, (err) => err && this.o.logger.debug({ err }, 'sandbox process gone before a message'));
  }

  private received(child: Child, m: FromChild): void {
    if (m.type === 'ready') {
      child.state = 'idle';
      child.started = true;
      return this.pump();
    }
    const task = child.task;
    if (!task || task.id !== m.id) return; // the answer of a job already given up
    if (m.type === 'started') return this.startClock(child);
    clearTimeout(task.timer);
    task.timer = undefined;
    if (m.type === 'finished') return;
    child.task = undefined;
    child.state = 'idle';
    if (m.type === 'done') task.resolve(m.value);
    else task.reject(new JobFailed(m.error));
    if (m.type === 'failed' && exhaustedMemory(m.error)) return this.retire(child);
    this.pump();
  }

  /**
   * Ends a process whose job failed for lack of memory but which lived to say so: its heap may still be
   * full of what that job left, and the next job there would die of it and be blamed. Its successor
   * starts when a job needs it (`ended`).
   */
  private retire(child: Child): void {
    child.state = 'dying';
    child.process.kill('SIGKILL');
    this.pump();
  }

  private ended(child: Child, code: number | null, signal: NodeJS.Signals | null): void {
    const at = this.children.indexOf(child);
    if (at >= 0) this.children.splice(at, 1);
    const outOfMemory = signal === 'SIGABRT' || /heap out of memory|Reached heap limit/.test(child.stderr);
    if (child.task) {
      clearTimeout(child.task.timer);
      child.task.reject(outOfMemory ? new LimitExceeded('memory', `${this.o.heapLimitMb} MB`) : new Error(`a sandbox process stopped (${signal ?? `exit ${code}`})`));
    }
    if (this.closed) return;
    if (outOfMemory) this.o.logger.warn({ heapLimitMb: this.o.heapLimitMb }, 'a sandbox job ran out of memory; its process ended and is replaced');
    else if (child.state !== 'dying') this.o.logger.error({ code, signal, stderr: child.stderr.slice(-500) }, 'a sandbox process stopped unexpectedly');
    if (!child.started) {
      // Starting it failed (a missing bundle file?): what waits fails, unless another process takes
      // it; no successor is started in a loop.
      if (!this.children.length) for (const task of this.queue.splice(0)) task.reject(new Error('the sandbox process could not start'));
      return;
    }
    if (!this.children.length) this.spawn();
    this.pump();
  }
}
