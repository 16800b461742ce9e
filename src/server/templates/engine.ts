// The template engine: LiquidJS, which reads HubSpot's personalization syntax as it is
// (`{{ contact.firstname | default: "there" }}`). Two engines share one configuration: the HTML part
// is parsed with automatic HTML escaping of every output, the subject and text without. Parsing and
// rendering are synchronous and can take seconds, so they run only in the sandbox (src/server/sandbox).
import { Liquid, type LiquidOptions, type Template } from 'liquidjs';
import { RENDER_LIMITS } from './limits.js';
import { placesUnsubscribe } from './unsubscribe.js';

export type Part = 'subject' | 'html' | 'text';

export interface Source {
  subject: string;
  html: string;
  text: string | null;
}

export interface Compiled {
  subject: Template[];
  html: Template[];
  /** null: the text part is derived from the rendered HTML. */
  text: Template[] | null;
  /** The HTML places `{{ unsubscribe_link }}` itself (marketing templates get no footer then). */
  ownUnsubscribe: boolean;
}

const OPTIONS: LiquidOptions = {
  // Templates are written by users: no include/render/layout may reach the file system.
  templates: {},
  ownPropertyOnly: true,
  strictFilters: true,
  // A token with no value fails the render (MISSING_TEMPLATE_PROPERTIES), except inside `if` and
  // behind a leading `default` filter, which is how a template says "optional".
  strictVariables: true,
  lenientIf: true,
  // Report every missing token of a part at once, not only the first.
  catchAllErrors: true,
  timezoneOffset: 0,
  // LiquidJS checks these between nodes, so one filter can outrun them: the sandbox's hard limits
  // (RENDER_LIMITS) are what holds. These stop most runaway loops sooner and more cheaply.
  parseLimit: 2_000_000,
  renderLimit: RENDER_LIMITS.ms, // per part
  memoryLimit: 20_000_000,
};

const plain = new Liquid(OPTIONS);
const escaping = new Liquid({ ...OPTIONS, outputEscape: 'escape' });

export function engineFor(part: Part): Liquid {
  return part === 'html' ? escaping : plain;
}

/**
 * The personalization tokens a compiled template reads (`contact.firstname`, `custom.order_id`), in
 * order of first use, from LiquidJS's static analysis of the parsed parts: names inside `if`, `for` and
 * filters count, loop variables and `assign`ed names do not.
 */
export function usedTokens(compiled: Compiled): string[] {
  const found = new Set<string>();
  for (const part of [compiled.subject, compiled.html, compiled.text ?? []]) {
    for (const [root, name] of plain.globalVariableSegmentsSync(part)) {
      if ((root === 'contact' || root === 'custom') && typeof name === 'string') found.add(`${root}.${name}`);
    }
  }
  return [...found];
}

/** LiquidJS reports several errors as one; these are the single ones. */
export function flattenErrors(err: unknown): Error[] {
  const e = err as Error & { errors?: unknown[] };
  if (e && e.name === 'LiquidErrors' && Array.isArray(e.errors)) return e.errors.flatMap(flattenErrors);
  return [e instanceof Error ? e : new Error(String(err))];
}

export class TemplateSyntaxError extends Error {
  constructor(
    readonly part: Part,
    message: string,
  ) {
    super(message);
  }
}

function parsePart(part: Part, source: string): Template[] {
  try {
    return engineFor(part).parse(source);
  } catch (err) {
    throw new TemplateSyntaxError(part, flattenErrors(err).map((e) => e.message).join('; '));
  }
}

/** Parses every part; throws TemplateSyntaxError naming the first part that does not parse. */
export function compile(source: Source): Compiled {
  return {
    subject: parsePart('subject', source.subject),
    html: parsePart('html', source.html),
    text: source.text === null ? null : parsePart('text', source.text),
    ownUnsubscribe: placesUnsubscribe(source.html),
  };
}

// Compiled published versions, by template id and publish time (a new publish is a new key); each
// sandbox process keeps its own.
const cache = new Map<string, Compiled>();
const CACHE_SIZE = 1000;

export function compiledPublished(templateId: number, publishedAt: number, source: Source): Compiled {
  const key = `${templateId}:${publishedAt}`;
  let hit = cache.get(key);
  if (!hit) {
    hit = compile(source);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(key, hit);
  }
  return hit;
}
