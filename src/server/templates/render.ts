// Rendering a template for one recipient: subject and text as they are, HTML with every value
// escaped, and the tokens that had no value. Marketing templates get an unsubscribe link.
import { type Compiled, engineFor, flattenErrors, type Part } from './engine.js';
import { htmlToText } from '../../shared/html-text.js';
import { type Limit, limitMessage, liquidLimit, RENDER_LIMITS } from './limits.js';
import { withUnsubscribe } from './unsubscribe.js';

export interface Scope {
  /** The recipient's contact properties (stored, then the request's). */
  contact: Record<string, unknown>;
  /** The request's customProperties: rendered, never stored. */
  custom: Record<string, unknown>;
}

export interface Rendered {
  subject: string;
  html: string;
  text: string;
  /** Tokens used with no value and no default (`contact.firstname`, `custom.order_id`). */
  missing: string[];
}

/** Rendering failed for another reason than a missing value (TEMPLATE_RENDER_EXCEPTION). */
export class RenderFailure extends Error {}

/** A render was stopped by one of RENDER_LIMITS (also TEMPLATE_RENDER_EXCEPTION, or a 400 on preview). */
export class RenderLimitExceeded extends RenderFailure {
  constructor(
    readonly limit: Limit,
    readonly phase: 'parsed' | 'rendered' = 'rendered',
  ) {
    super(limitMessage(limit, phase));
  }
}

export interface RenderOptions {
  marketing: boolean;
  /** Also render when tokens are missing, with them empty (preview); otherwise the parts are empty. */
  lenient: boolean;
}

/** A value that is absent or null counts as no value. */
function present(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined && v !== null));
}

export function render(compiled: Compiled, scope: Scope, opts: RenderOptions): Rendered {
  const missing = new Set<string>();
  const vars: Record<string, unknown> = { contact: present(scope.contact), custom: present(scope.custom) };
  if (opts.marketing) Object.assign(vars, withUnsubscribe.scope);
  const part = (name: Part, templates: Compiled['subject']) => renderPart(name, templates, vars, missing, opts.lenient);
  const subject = part('subject', compiled.subject).replace(/\s*[\r\n]+\s*/g, ' ').trim();
  let html = bounded(subject.length, part('html', compiled.html));
  let text = bounded(subject.length + html.length, compiled.text ? part('text', compiled.text) : htmlToText(html));
  if (opts.marketing && !compiled.ownUnsubscribe) [html, text] = [withUnsubscribe.html(html), withUnsubscribe.text(text)];
  if (missing.size && !opts.lenient) return { subject: '', html: '', text: '', missing: [...missing] };
  return { subject, html, text, missing: [...missing] };
}

/** What comes out is sent over a pipe, stored and queued: bounded like the work that made it. */
function bounded(before: number, part: string): string {
  if (before + part.length > RENDER_LIMITS.chars) throw new RenderLimitExceeded('size');
  return part;
}

function renderPart(part: Part, templates: Compiled['subject'], vars: object, missing: Set<string>, lenient: boolean): string {
  const engine = engineFor(part);
  try {
    return engine.renderSync(templates, vars) as string;
  } catch (err) {
    for (const name of missingNames(part, err)) missing.add(name);
  }
  if (!lenient) return '';
  try {
    return engine.renderSync(templates, vars, { strictVariables: false }) as string;
  } catch (err) {
    missingNames(part, err); // throws the failure: with no strict variables, no value is missing
    throw err;
  }
}

/** The tokens without a value that made the render fail; throws when anything else did. */
function missingNames(part: Part, err: unknown): string[] {
  const errors = flattenErrors(err);
  const limit = errors.map(liquidLimit).find(Boolean);
  if (limit) throw new RenderLimitExceeded(limit);
  const names = errors.map(undefinedName);
  if (names.some((n) => n === undefined)) {
    throw new RenderFailure(`the ${part} cannot be rendered: ${errors.filter((_, i) => names[i] === undefined).map((e) => e.message).join('; ')}`);
  }
  return names as string[];
}

function undefinedName(e: Error): string | undefined {
  if (e.name !== 'UndefinedVariableError') return undefined;
  return (e as Error & { originalError?: { variableName?: string } }).originalError?.variableName;
}
