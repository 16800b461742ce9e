// What the server and a sandbox process (pool.ts ⇄ entry.ts) say to each other: the jobs, their
// results, and errors as plain data (they cross a process boundary).
import type { TrackingKey } from '../config.js';
import type { Envelope } from '../send/compose.js';
import type { Part, Source } from '../templates/engine.js';
import type { Limit } from '../templates/limits.js';
import type { Rendered, RenderOptions, Scope } from '../templates/render.js';
import type { LinkSummary } from '../../shared/api.js';
import type { TrackedBody, TrackOptions } from '../tracking/apply.js';

/** A published version of a template: compiled once per process, by id and publish time. */
export interface Published {
  templateId: number;
  publishedAt: number;
  source: Source;
}

export type Job =
  /** Parses every part (a template is refused when saved, not when sent). */
  | { kind: 'check'; source: Source }
  /** Parses and renders a draft (preview). */
  | { kind: 'render'; source: Source; scope: Scope; options: RenderOptions }
  /** Renders a draft as it stands, missing tokens empty, and builds the MIME message (a test send). */
  | { kind: 'draft-message'; source: Source; scope: Scope; options: RenderOptions; envelope: Envelope }
  /** Renders a published template for one recipient and builds the MIME message (single send). */
  | { kind: 'message'; template: Published; scope: Scope; envelope: Envelope }
  /** Rewrites the links of a big HTML body and places the pixel (tracked email). */
  | { kind: 'track'; html: string; options: TrackOptions; maxLinks: number };

/** The message of a single send: nothing is built when tokens have no value. */
export interface RenderedMessage {
  subject: string;
  missing: string[];
  raw: Uint8Array | null;
}

/** A tracked body whose HTML is already JSON (escaped and UTF-8 encoded), to be sent as it is. */
export type TrackedJson = { tooManyLinks: number } | { htmlJson: Uint8Array; links: LinkSummary; pixelUrl: string };

/** Escaping and encoding a big body's HTML takes tens of ms: in the sandbox, the event loop only copies the bytes. */
export function trackedJson(t: TrackedBody): TrackedJson {
  return 'tooManyLinks' in t ? t : { htmlJson: Buffer.from(JSON.stringify(t.html)), links: t.links, pixelUrl: t.pixelUrl };
}
/** A preview: the render and every personalization token the template uses. */
export type Previewed = Rendered & { tokens: string[] };

export interface Results {
  check: null;
  render: Previewed;
  'draft-message': RenderedMessage;
  message: RenderedMessage;
  track: TrackedJson;
}

export type JobOf<K extends Job['kind']> = Extract<Job, { kind: K }>;

export type JobError =
  | { name: 'TemplateSyntaxError'; part: Part; message: string }
  | { name: 'RenderLimitExceeded'; limit: Limit; message: string }
  | { name: 'RenderFailure'; message: string }
  | { name: 'Error'; message: string };

export type ToChild = { type: 'init'; trackingKeys: TrackingKey[] } | { type: 'job'; id: number; job: Job };

/**
 * `started` and `finished` are small and come first: the time limit counts only the work itself, not
 * a big job or answer on its way through the pipe, nor time the server's event loop was busy.
 */
export type FromChild =
  | { type: 'ready' }
  | { type: 'started'; id: number }
  | { type: 'finished'; id: number }
  | { type: 'done'; id: number; value: unknown }
  | { type: 'failed'; id: number; error: JobError };
