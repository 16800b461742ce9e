// The jobs a sandbox process runs (protocol.ts): the same code the server used to run on its event
// loop — parsing and rendering templates, building a single send's message, tracking a big body.
import type { TrackingKey } from '../config.js';
import { compose } from '../send/compose.js';
import { compile, compiledPublished, TemplateSyntaxError, usedTokens } from '../templates/engine.js';
import { RenderFailure, RenderLimitExceeded, render } from '../templates/render.js';
import { trackBody } from '../tracking/apply.js';
import { TrackingSigner } from '../tracking/tokens.js';
import { type Job, type JobError, type JobOf, type RenderedMessage, type Results, trackedJson } from './protocol.js';

let signer: TrackingSigner | undefined;

/** The server's tracking keys, sent once over the pipe (never on the command line or in the environment). */
export function configure(trackingKeys: TrackingKey[]): void {
  signer = new TrackingSigner(trackingKeys);
}

export async function runJob(job: Job): Promise<Results[Job['kind']]> {
  switch (job.kind) {
    case 'check':
      compile(job.source);
      return null;
    case 'render': {
      const compiled = compile(job.source);
      return { ...render(compiled, job.scope, job.options), tokens: usedTokens(compiled) };
    }
    case 'draft-message':
      return draftMessage(job);
    case 'message':
      return message(job);
    case 'track':
      if (!signer) throw new Error('the sandbox has no tracking keys');
      return trackedJson(trackBody(job.html, signer, job.options, job.maxLinks));
  }
}

/** Renders the published template (transactional: no unsubscribe footer) and composes the MIME message. */
async function message(job: JobOf<'message'>): Promise<RenderedMessage> {
  const { templateId, publishedAt, source } = job.template;
  const rendered = render(compiledPublished(templateId, publishedAt, source), job.scope, { marketing: false, lenient: false });
  if (rendered.missing.length) return { subject: rendered.subject, missing: rendered.missing, raw: null };
  const raw = await compose({ ...job.envelope, subject: rendered.subject, html: rendered.html, text: rendered.text });
  return { subject: rendered.subject, missing: [], raw };
}

/** A draft rendered as it stands (missing tokens empty) and composed, for a test send to its author. */
async function draftMessage(job: JobOf<'draft-message'>): Promise<RenderedMessage> {
  const rendered = render(compile(job.source), job.scope, job.options);
  const subject = `[Test] ${rendered.subject}`;
  const raw = await compose({ ...job.envelope, subject, html: rendered.html, text: rendered.text });
  return { subject, missing: rendered.missing, raw };
}

export function describeError(err: unknown): JobError {
  if (err instanceof TemplateSyntaxError) return { name: 'TemplateSyntaxError', part: err.part, message: err.message };
  if (err instanceof RenderLimitExceeded) return { name: 'RenderLimitExceeded', limit: err.limit, message: err.message };
  if (err instanceof RenderFailure) return { name: 'RenderFailure', message: err.message };
  return { name: 'Error', message: err instanceof Error ? err.message : String(err) };
}
