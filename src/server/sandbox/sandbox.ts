// The server's side of the sandbox (pool.ts): one typed call per job, and the sandbox's failures
// turned into the errors callers already handle — a template that does not parse
// (TemplateSyntaxError), that cannot be rendered (RenderFailure), or that was stopped at one of
// RENDER_LIMITS (RenderLimitExceeded, a RenderFailure too).
import type { TrackingKey } from '../config.js';
import type { Logger } from '../logger.js';
import type { Envelope } from '../send/compose.js';
import { type Source, TemplateSyntaxError } from '../templates/engine.js';
import { RENDER_LIMITS } from '../templates/limits.js';
import { RenderFailure, RenderLimitExceeded, type RenderOptions, type Scope } from '../templates/render.js';
import type { TrackOptions } from '../tracking/apply.js';
import { JobFailed, LimitExceeded, SandboxPool } from './pool.js';
import type { Job, JobOf, Previewed, Published, Results, TrackedJson } from './protocol.js';

export { LimitExceeded } from './pool.js';

/** Processes at most: on two cores, two renders at a time leave the event loop a core. */
const SIZE = 2;
/** Renders that may wait for a process before more are refused with 503. */
const MAX_QUEUE = 256;

export interface RenderedEmail {
  subject: string;
  missing: string[];
  /** The MIME message; null when tokens had no value. */
  raw: Buffer | null;
}

export class Sandbox {
  private constructor(private readonly pool: SandboxPool) {}

  /** Starts the pool with one warm process. `entry` is the bundled entry.ts. */
  static start(entry: URL, trackingKeys: TrackingKey[], logger: Logger): Sandbox {
    const pool = new SandboxPool({ entry, size: SIZE, timeLimitMs: RENDER_LIMITS.ms, heapLimitMb: RENDER_LIMITS.heapMb, maxQueue: MAX_QUEUE, trackingKeys, logger });
    pool.warm();
    return new Sandbox(pool);
  }

  /** Throws TemplateSyntaxError naming the first part that does not parse. */
  async checkSyntax(source: Source): Promise<void> {
    await this.template({ kind: 'check', source }, 'parsed');
  }

  /** A draft rendered for a preview, with the tokens it uses. */
  render(source: Source, scope: Scope, options: RenderOptions): Promise<Previewed> {
    return this.template({ kind: 'render', source, scope, options }, 'rendered');
  }

  /** A draft rendered as it stands (missing tokens empty) and built as MIME: a test send. */
  async renderDraftEmail(source: Source, scope: Scope, options: RenderOptions, envelope: Envelope): Promise<RenderedEmail> {
    const m = await this.template({ kind: 'draft-message', source, scope, options, envelope }, 'rendered');
    return { subject: m.subject, missing: m.missing, raw: m.raw && Buffer.from(m.raw.buffer, m.raw.byteOffset, m.raw.byteLength) };
  }

  /** A published template rendered for one recipient and built as MIME (single send). */
  async renderEmail(template: Published, scope: Scope, envelope: Envelope): Promise<RenderedEmail> {
    const m = await this.template({ kind: 'message', template, scope, envelope }, 'rendered');
    return { subject: m.subject, missing: m.missing, raw: m.raw && Buffer.from(m.raw.buffer, m.raw.byteOffset, m.raw.byteLength) };
  }

  /** A body's links tracked and its pixel placed, the HTML as JSON; throws LimitExceeded when that passes the limits. */
  async track(html: string, options: TrackOptions, limits: { links: number; ms: number }): Promise<TrackedJson> {
    let t: TrackedJson;
    try {
      t = await this.pool.run({ kind: 'track', html, options, maxLinks: limits.links }, limits.ms);
    } catch (err) {
      throw err instanceof JobFailed ? new Error(err.message) : err;
    }
    return 'tooManyLinks' in t ? t : { ...t, htmlJson: Buffer.from(t.htmlJson.buffer, t.htmlJson.byteOffset, t.htmlJson.byteLength) };
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private async template<K extends Job['kind']>(job: JobOf<K>, phase: 'parsed' | 'rendered'): Promise<Results[K]> {
    try {
      return await this.pool.run(job);
    } catch (err) {
      throw templateError(err, phase);
    }
  }
}

function templateError(err: unknown, phase: 'parsed' | 'rendered'): unknown {
  if (err instanceof LimitExceeded) return new RenderLimitExceeded(err.limit, phase);
  if (!(err instanceof JobFailed)) return err;
  const e = err.error;
  if (e.name === 'TemplateSyntaxError') return new TemplateSyntaxError(e.part, e.message);
  if (e.name === 'RenderLimitExceeded') return new RenderLimitExceeded(e.limit, phase);
  if (e.name === 'RenderFailure') return new RenderFailure(e.message);
  return new Error(e.message);
}
