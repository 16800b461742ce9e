// Parsing of structured header values such as `text/html; charset="utf-8"` and
// `attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf` (RFC 2045 §5.1, RFC 2231).

export interface StructuredValue {
  /** Lower-cased main value: `text/html`, `attachment`. */
  value: string;
  /** Parameters by lower-cased name, RFC 2231 continuations joined and decoded. */
  params: Record<string, string>;
}

/** Splits at `;` outside quoted strings and removes (comments). Never throws. */
function splitParams(raw: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  let comment = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (quoted) {
      if (c === '\\' && i + 1 < raw.length) cur += raw[++i];
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (comment > 0) {
      if (c === '(') comment++;
      else if (c === ')') comment--;
    } else if (c === '"') quoted = true;
    else if (c === '(') comment++;
    else if (c === ';') {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts.map((p) => p.trim());
}

/** Decodes an RFC 2231 `charset'lang'percent-encoded` value (UTF-8 and Latin-1 are what mail uses). */
function decode2231(v: string, extended: boolean): string {
  if (!extended) return v;
  const m = /^([^']*)'[^']*'(.*)$/.exec(v);
  const charset = (m?.[1] ?? '').toLowerCase();
  const body = m ? m[2]! : v;
  const bytes = Buffer.from(body.replace(/%([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
  return bytes.toString(charset === 'iso-8859-1' || charset === 'latin1' ? 'latin1' : 'utf8');
}

export function parseStructured(raw: string | undefined): StructuredValue {
  const [head = '', ...rest] = splitParams(raw ?? '');
  const params: Record<string, string> = {};
  const pieces: Record<string, Array<{ n: number; v: string; ext: boolean }>> = {};
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq <= 0) continue;
    const key = p.slice(0, eq).trim().toLowerCase();
    const v = p.slice(eq + 1).trim();
    const m = /^([^*]+)(?:\*(\d+))?(\*)?$/.exec(key);
    if (!m) continue;
    const name = m[1]!;
    if (m[2] === undefined && !m[3]) {
      params[name] ??= v;
      continue;
    }
    (pieces[name] ??= []).push({ n: m[2] === undefined ? 0 : Number(m[2]), v, ext: !!m[3] });
  }
  for (const [name, list] of Object.entries(pieces)) {
    list.sort((a, b) => a.n - b.n);
    // The extended form (`name*`) wins over a plain `name`; only its first piece names the charset.
    params[name] = decode2231(list.map((x) => x.v).join(''), list[0]!.ext);
  }
  return { value: head.toLowerCase(), params };
}
