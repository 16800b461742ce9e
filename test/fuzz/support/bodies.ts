// Generators of request bodies that are certainly invalid, from a small description of a route's
// schema and one valid body: a required field dropped, a field of a type no coercion can save, a
// string past its limit, a field nobody declared, deep nesting, a body that is not an object, text
// that is not JSON. (The server coerces types the way ajv's `coerceTypes: 'array'` does, so "wrong
// type" here means objects and multi-element arrays, which nothing coerces.)
import fc from 'fast-check';

export type Field =
  | { t: 'string'; req?: boolean; min?: number; max?: number }
  | { t: 'bool'; req?: boolean }
  | { t: 'int'; req?: boolean; min?: number }
  | { t: 'enum'; req?: boolean; values: string[] }
  | { t: 'array'; req?: boolean; itemMax?: number; maxItems?: number }
  | { t: 'record'; req?: boolean; stringValues?: boolean }
  | { t: 'object'; req?: boolean; spec: ObjectSpec }
  /** Accepted whatever it holds (e.g. read-only fields a client may send back). */
  | { t: 'any' };

export interface ObjectSpec {
  fields: Record<string, Field>;
  /** additionalProperties: false */
  closed: boolean;
}

export interface BodyInput {
  contentType?: string;
  payload: string;
  /** Short description for failure messages. */
  how: string;
}

const small = fc.jsonValue({ maxDepth: 2 });
const someObject = fc.dictionary(fc.string({ maxLength: 8 }), small, { maxKeys: 3 });
const twoOrMore = fc.array(small, { minLength: 2, maxLength: 4 });

/** `{"a":{"a":…}}` or `[[[…]]]` nested `depth` levels. */
export function nested(depth: number, arrays = false): string {
  return arrays ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

const deep = fc.integer({ min: 50, max: 3000 }).chain((d) => fc.boolean().map((arrays) => JSON.parse(nested(d, arrays)) as unknown));

/** A value the field can never accept. */
export function wrongValue(f: Field): fc.Arbitrary<unknown> {
  switch (f.t) {
    case 'string':
      return fc.oneof(someObject, twoOrMore, deep);
    case 'bool':
      return fc.oneof(someObject, twoOrMore, fc.constantFrom('yes', 'no', 'on', 2, -1));
    case 'int':
      return fc.oneof(someObject, twoOrMore, fc.constantFrom('abc', '1.5', 'NaN', '0x10', 1.5, -0.25), ...(f.min !== undefined ? [fc.integer({ min: -1e6, max: f.min - 1 })] : []));
    case 'enum':
      return fc.oneof(someObject, twoOrMore, fc.string({ minLength: 1 }).filter((s) => !f.values.includes(s)));
    case 'array':
      return fc.oneof(someObject, fc.array(someObject, { minLength: 1, maxLength: 3 }), deep.filter((v) => !Array.isArray(v)));
    case 'record':
      return fc.oneof(twoOrMore, fc.string(), fc.integer(), ...(f.stringValues ? [fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.oneof(someObject, twoOrMore), { minKeys: 1, maxKeys: 2 })] : []));
    case 'object':
      return fc.oneof(fc.string(), fc.integer(), twoOrMore);
    case 'any':
      throw new Error('no wrong value for an `any` field');
  }
}

const omit = (o: Record<string, unknown>, k: string) => Object.fromEntries(Object.entries(o).filter(([key]) => key !== k));

/** A valid value of the field, to break its siblings around it. */
function validValue(f: Field): unknown {
  switch (f.t) {
    case 'string':
      return 'x'.repeat(Math.max(1, f.min ?? 1));
    case 'bool':
      return true;
    case 'int':
      return f.min ?? 1;
    case 'enum':
      return f.values[0];
    case 'array':
      return [];
    case 'record':
      return {};
    case 'object':
      return Object.fromEntries(Object.entries(f.spec.fields).filter(([, g]) => 'req' in g && g.req).map(([k, g]) => [k, validValue(g)]));
    case 'any':
      return null;
  }
}

/** Objects like `valid` with exactly one thing wrong (at any depth). */
export function brokenObject(spec: ObjectSpec, valid: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  const options: Array<fc.Arbitrary<Record<string, unknown>>> = [];
  for (const [name, f] of Object.entries(spec.fields)) {
    if (f.t === 'any') continue;
    const set = (v: unknown) => ({ ...valid, [name]: v });
    if (f.req) options.push(fc.constant(omit(valid, name)));
    options.push(wrongValue(f).map(set));
    if (f.t === 'string' && f.max !== undefined) options.push(fc.integer({ min: f.max + 1, max: f.max + 2000 }).map((n) => set('y'.repeat(n))));
    if (f.t === 'string' && (f.min ?? 0) > 0) options.push(fc.constant(set('')));
    // U+0000 fits every schema but no database column (PostgreSQL text refuses it).
    if (f.t === 'string') options.push(fc.constant(set(`${validValue(f)}\u0000`)));
    if (f.t === 'array') options.push(fc.constant(set(['a\u0000@x.test'])));
    if (f.t === 'array' && f.itemMax !== undefined) options.push(fc.constant(set(['z'.repeat(f.itemMax + 1)])));
    if (f.t === 'array' && f.maxItems !== undefined) options.push(fc.constant(set(Array.from({ length: f.maxItems + 1 }, (_, i) => `a${i}@x.test`))));
    if (f.t === 'object') {
      const inner = (valid[name] as Record<string, unknown> | undefined) ?? (validValue(f) as Record<string, unknown>);
      options.push(brokenObject(f.spec, inner).map(set));
    }
  }
  if (spec.closed) {
    const extraKey = fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !(k in spec.fields));
    options.push(fc.tuple(extraKey, small).map(([k, v]) => ({ ...valid, [k]: v })));
  }
  return fc.oneof(...options);
}

const notJson = fc.oneof(
  fc.constantFrom('{', '{"a":', '[1,', 'undefined', "{'a':1}", '{"a":1,}', '\u0000', '{"a":"\\x"}', '--', 'NaN', nested(200_000, true)),
  fc.string({ minLength: 1 }).filter((s) => {
    try {
      JSON.parse(s);
      return false;
    } catch {
      return true;
    }
  }),
);

/** JSON that is not an object: every route body here is one. */
const notAnObject = fc.oneof(fc.constantFrom('null', 'true', '0', '""', '"text"', '[]', '[{}]'), fc.jsonValue().filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)).map((v) => JSON.stringify(v)));

/** Forbidden keys that JSON parsing itself refuses (prototype poisoning). */
const poisoned = fc.constantFrom('{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"admin":true}}}');

const WRONG_TYPES = ['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'image/png', 'multipart/form-data; boundary=zzz'];

/** Certainly-invalid JSON bodies for an object schema, and the valid one sent with a content type that is not JSON. */
export function invalidBodies(spec: ObjectSpec, valid: Record<string, unknown>, opts: { multipartIsValid?: boolean } = {}): fc.Arbitrary<BodyInput> {
  const json = (how: string) => (v: unknown) => ({ contentType: 'application/json', payload: JSON.stringify(v), how });
  const types = WRONG_TYPES.filter((t) => !(opts.multipartIsValid && t.startsWith('multipart/')));
  return fc.oneof(
    { weight: 6, arbitrary: brokenObject(spec, valid).map(json('broken field')) },
    { weight: 1, arbitrary: notAnObject.map((payload) => ({ contentType: 'application/json', payload, how: 'not an object' })) },
    { weight: 1, arbitrary: notJson.map((payload) => ({ contentType: 'application/json', payload, how: 'not JSON' })) },
    { weight: 1, arbitrary: poisoned.map((payload) => ({ contentType: 'application/json', payload, how: 'prototype poisoning' })) },
    { weight: 1, arbitrary: deep.map(json('deep nesting')) },
    { weight: 1, arbitrary: fc.constantFrom(...types).map((contentType) => ({ contentType, payload: JSON.stringify(valid), how: `valid body as ${contentType}` })) },
    { weight: 1, arbitrary: fc.constant({ payload: JSON.stringify(valid), how: 'no content type' }) },
  );
}

/** Any body at all (for routes that change nothing whatever they are sent). */
export const anyBody: fc.Arbitrary<BodyInput> = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => ({ contentType: 'application/json', payload: JSON.stringify(v), how: 'any JSON' })),
  deep.map((v) => ({ contentType: 'application/json', payload: JSON.stringify(v), how: 'deep' })),
  notJson.map((payload) => ({ contentType: 'application/json', payload, how: 'not JSON' })),
  fc.string().map((payload) => ({ contentType: 'text/plain', payload, how: 'text' })),
);
