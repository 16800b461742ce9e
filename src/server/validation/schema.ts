// Checks a value that did not come through Fastify's body validation (the JSON inside a multipart
// field) against a TypeBox schema, with the same `errors[].in` field paths the API uses elsewhere.
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import type { ErrorDetail } from '../errors.js';

const join = (...parts: string[]) => parts.filter(Boolean).join('.');
const fieldOf = (prefix: string, pointer: string) => join(prefix, ...pointer.split('/').filter(Boolean));

/** One message per field, naming it; empty when the value fits. */
export function schemaErrors(schema: TSchema, value: unknown, prefix: string): ErrorDetail[] {
  const byField = new Map<string, ErrorDetail>();
  const add = (field: string, message: string) => {
    if (!byField.has(field)) byField.set(field, { message, in: field });
  };
  for (const e of Value.Errors(schema, value)) {
    const field = fieldOf(prefix, e.instancePath) || prefix;
    const params = e.params as Record<string, unknown>;
    if (e.keyword === 'required') {
      for (const name of params.requiredProperties as string[]) add(join(field, name), `${join(field, name)} is required`);
    } else if (e.keyword === 'boolean') {
      add(field, `${field} is not a known field`); // additionalProperties: false, one error per extra field
    } else if (e.keyword === 'additionalProperties') {
      continue; // reported per field above
    } else if (e.keyword === 'enum') {
      add(field, `${field} must be one of ${(params.allowedValues as unknown[]).join(', ')}`);
    } else {
      add(field, `${field} ${e.message}`);
    }
  }
  return [...byField.values()];
}
