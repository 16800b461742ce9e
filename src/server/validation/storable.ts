// Values no database column can hold, found before anything is stored (docs/product.md §8: bad input gets a 4xx):
// - U+0000 in a string or key: no field means anything with it, and PostgreSQL's text type cannot
//   store it (a 500 deep inside a query), while SQLite stored it quietly;
// - a number that is not finite: ajv's type coercion turns `?limit=Infinity` (and JSON's `1e400`)
//   into Infinity and then lets it pass `integer`, `minimum` and `maximum`, so it reached SQL.

/** The dotted path of the first unstorable value in a parsed value ('' for the value itself), and why. */
export function unstorable(value: unknown): { path: string; why: string } | undefined {
  // Iterative: a JSON body may nest far deeper than the call stack allows.
  const stack: Array<[unknown, string]> = [[value, '']];
  while (stack.length) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string' && v.includes('\u0000')) return { path, why: 'contains a NUL character (U+0000); send text without it' };
    if (typeof v === 'number' && !Number.isFinite(v)) return { path, why: 'must be a finite number' };
    if (v && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        const at = path ? `${path}.${k}` : k;
        if (k.includes('\u0000')) return { path: at, why: 'is a name with a NUL character (U+0000)' };
        stack.push([child, at]);
      }
    }
  }
  return undefined;
}
