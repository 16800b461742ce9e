// A header block kept as the bytes it arrived in: each field holds its raw lines (folding, spacing
// and line endings included), so removing or adding one field leaves every other byte as it was —
// which keeps the client's own DKIM signatures and clients' oddities intact.

interface Field {
  /** Lower-cased name; '' for a line that is not a field (kept as is). */
  name: string;
  raw: Buffer;
}

const FIELD_NAME = /^[!-9;-~]+$/;

/** The field name of a header line, or '' when the line is not `name:`. */
function fieldName(line: Buffer): string {
  const colon = line.indexOf(0x3a);
  if (colon <= 0) return '';
  const name = line.subarray(0, colon).toString('latin1').replace(/[ \t]+$/, '');
  return FIELD_NAME.test(name) ? name.toLowerCase() : '';
}

/** Unfolds a raw field into its value: line breaks before whitespace removed, ends trimmed. */
function unfold(raw: Buffer): string {
  const text = raw.toString('utf8');
  return text
    .slice(text.indexOf(':') + 1)
    .replace(/\r?\n(?=[ \t])/g, '')
    .replace(/\r?\n$/, '')
    .trim();
}

export class Headers {
  private fields: Field[];
  private dirty = false;

  /** @param eol line ending for added fields (the block's own). */
  private constructor(
    fields: Field[],
    readonly eol: '\r\n' | '\n',
  ) {
    this.fields = fields;
  }

  /** Parses a header block (everything before the blank line). Never throws. */
  static parse(block: Buffer, eol: '\r\n' | '\n'): Headers {
    const fields: Field[] = [];
    let start = 0;
    while (start < block.length) {
      const nl = block.indexOf(0x0a, start);
      const end = nl === -1 ? block.length : nl + 1;
      const line = block.subarray(start, end);
      const last = fields[fields.length - 1];
      // A line starting with space or tab continues the field above it (folding).
      if ((line[0] === 0x20 || line[0] === 0x09) && last) last.raw = block.subarray(start - last.raw.length, end);
      else fields.push({ name: fieldName(line), raw: line });
      start = end;
    }
    return new Headers(fields, eol);
  }

  /** True once a field was added, removed or replaced. */
  get changed(): boolean {
    return this.dirty;
  }

  /** The first field's unfolded value (UTF-8, encoded-words left encoded), or undefined. */
  get(name: string): string | undefined {
    const n = name.toLowerCase();
    const f = this.fields.find((x) => x.name === n);
    return f ? unfold(f.raw) : undefined;
  }

  getAll(name: string): string[] {
    const n = name.toLowerCase();
    return this.fields.filter((x) => x.name === n).map((x) => unfold(x.raw));
  }

  has(name: string): boolean {
    const n = name.toLowerCase();
    return this.fields.some((x) => x.name === n);
  }

  /** Field names in order, as written (lower-cased). */
  names(): string[] {
    return this.fields.filter((f) => f.name !== '').map((f) => f.name);
  }

  /** Removes every occurrence of the field; returns how many there were. */
  remove(name: string): number {
    const n = name.toLowerCase();
    const before = this.fields.length;
    this.fields = this.fields.filter((x) => x.name !== n);
    const removed = before - this.fields.length;
    if (removed > 0) this.dirty = true;
    return removed;
  }

  /** Appends `Name: value` at the end of the block. Throws on a name or value that would inject lines. */
  add(name: string, value: string): void {
    this.fields.push(this.makeField(name, value));
    this.dirty = true;
  }

  /** Puts `Name: value` first (a trace header such as Received). */
  prepend(name: string, value: string): void {
    this.fields.unshift(this.makeField(name, value));
    this.dirty = true;
  }

  /** Adds the field only when the block has none; returns whether it was added. */
  addIfMissing(name: string, value: string): boolean {
    if (this.has(name)) return false;
    this.add(name, value);
    return true;
  }

  /** Replaces the first occurrence in place (later ones are removed), or appends. */
  set(name: string, value: string): void {
    const n = name.toLowerCase();
    const i = this.fields.findIndex((x) => x.name === n);
    const field = this.makeField(name, value);
    if (i < 0) return this.add(name, value);
    this.fields = this.fields.flatMap((x, k) => (x.name !== n ? [x] : k === i ? [field] : []));
    this.dirty = true;
  }

  private makeField(name: string, value: string): Field {
    if (!FIELD_NAME.test(name)) throw new TypeError(`invalid header name ${JSON.stringify(name)}`);
    if (/[\r\n]/.test(value)) throw new TypeError(`header ${name} contains a line break`);
    return { name: name.toLowerCase(), raw: Buffer.from(`${name}: ${value}${this.eol}`, 'utf8') };
  }

  toBuffer(): Buffer {
    const parts: Buffer[] = [];
    for (let i = 0; i < this.fields.length; i++) {
      const raw = this.fields[i]!.raw;
      parts.push(raw);
      // A last line without its line ending (a message that is all headers) needs one before an added field.
      if (i < this.fields.length - 1 && raw[raw.length - 1] !== 0x0a) parts.push(Buffer.from(this.eol));
    }
    return Buffer.concat(parts);
  }
}
