// One forward pass over an HTML string that finds what the link rewriter needs — link tags with the
// exact offsets of their attributes, their visible text, <base href>, and where a pixel can go —
// without building a DOM. It follows the HTML tokenizer where it matters for not mistaking text for
// markup (quoted attribute values, comments, raw-text elements) and records doubt instead of guessing.

/** One attribute of a scanned tag; offsets are into the scanned string. */
export interface Attr {
  /** Lower-cased name. */
  name: string;
  /** The raw value lies in [valueStart, valueEnd), quotes excluded; both -1 when there is no `=`. */
  valueStart: number;
  valueEnd: number;
  /** 34 = `"`, 39 = `'`, 0 = unquoted or no value. */
  quote: number;
}

/** An `<a>` or a VML shape (`<v:roundrect …>`) that has an href attribute. */
export interface LinkTag {
  kind: 'a' | 'vml';
  tagStart: number;
  attrs: Attr[];
  /** The tag's syntax is off (unterminated, missing spaces, stray quotes…): leave the link alone. */
  malformed: boolean;
  /** Raw (entity-encoded) text between the tag and its end, capped at TEXT_CAP characters. */
  text: string;
  textOverflow: boolean;
}

export interface ScanResult {
  links: LinkTag[];
  /** Raw value of the first real `<base href>`, if any. */
  baseHref: string | null;
  /** Offset just after the first real `<body …>` tag, or -1. */
  bodyOpenEnd: number;
  /** Offset of the last real `</body>` tag, or -1. */
  bodyCloseStart: number;
  headCloseEnd: number;
  htmlOpenEnd: number;
  htmlCloseStart: number;
  doctypeEnd: number;
  /** False when the input ends inside a tag, comment or raw-text element (appending there would hide markup). */
  endsClean: boolean;
}

/** Visible text longer than this cannot be a typed URL, so it is not collected any further. */
const TEXT_CAP = 2048;

/** Elements whose content is text, never markup, for the HTML tokenizer. */
const RAW_TEXT = new Set(['style', 'script', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes']);

/** The `[if mso]>` opening a conditional comment (bounded, so a comment without one costs little). */
const CONDITION = /\[if\b[^\]]{0,200}\]>/iy;

const isWs = (c: number) => c === 32 || c === 10 || c === 9 || c === 13 || c === 12;
const isAlpha = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90);

class Scanner {
  readonly r: ScanResult = {
    links: [],
    baseHref: null,
    bodyOpenEnd: -1,
    bodyCloseStart: -1,
    headCloseEnd: -1,
    htmlOpenEnd: -1,
    htmlCloseStart: -1,
    doctypeEnd: -1,
    endsClean: true,
  };
  /** The link whose visible text is being collected (anchors cannot nest, so one slot is enough). */
  private pending: LinkTag | null = null;
  private pendingName = '';
  // Side results of parseAttrs, kept as fields to avoid an object per tag.
  private malformed = false;
  private selfClosing = false;
  /** Cache of nextBangClose: -2 = not searched yet, -1 = none in the rest of the input. */
  private bangAt = -2;

  constructor(private readonly s: string) {}

  /** Tokenizes [pos, end); depth > 0 inside a conditional comment. */
  region(pos: number, end: number, depth: number): void {
    const s = this.s;
    let i = pos;
    while (i < end) {
      const lt = s.indexOf('<', i);
      if (lt === -1 || lt >= end) {
        this.text(i, end);
        break;
      }
      if (lt > i) this.text(i, lt);
      i = this.markup(lt, end, depth);
    }
    if (depth > 0) return;
    this.pending = null;
  }

  private text(a: number, b: number): void {
    const p = this.pending;
    if (p === null || p.textOverflow) return;
    p.text += this.s.slice(a, b);
    if (p.text.length > TEXT_CAP) p.textOverflow = true;
  }

  /** Handles the construct starting with `<` at lt; returns where scanning resumes. */
  private markup(lt: number, end: number, depth: number): number {
    const s = this.s;
    const c = s.charCodeAt(lt + 1);
    if (isAlpha(c)) return this.startTag(lt, end, depth);
    if (c === 47 /* / */) {
      const c2 = s.charCodeAt(lt + 2);
      if (isAlpha(c2)) return this.endTag(lt, end, depth);
      if (c2 === 62 /* > */) return lt + 3;
      if (lt + 2 >= end) return this.unterminated(end, depth);
      return this.bogus(lt + 2, end, depth);
    }
    if (c === 33 /* ! */) {
      if (s.startsWith('--', lt + 2)) return this.comment(lt, end, depth);
      const close = this.bogus(lt + 2, end, depth);
      if (depth === 0 && this.r.doctypeEnd < 0 && s.slice(lt + 2, lt + 9).toLowerCase() === 'doctype') this.r.doctypeEnd = close;
      return close;
    }
    if (c === 63 /* ? */) return this.bogus(lt + 2, end, depth);
    this.text(lt, lt + 1);
    return lt + 1;
  }

  private unterminated(end: number, depth: number): number {
    if (depth === 0) this.r.endsClean = false;
    return end;
  }

  /** `<!…>`, `<?…>`, `</ …>`: ignored up to the next `>`. */
  private bogus(from: number, end: number, depth: number): number {
    const gt = this.s.indexOf('>', from);
    return gt === -1 || gt >= end ? this.unterminated(end, depth) : gt + 1;
  }

  private comment(lt: number, end: number, depth: number): number {
    const s = this.s;
    const p = lt + 4;
    if (s.charCodeAt(p) === 62) return p + 1; // `<!-->`
    if (s.startsWith('->', p)) return p + 2; // `<!--->`
    let close = s.indexOf('-->', p);
    let closeLen = 3;
    const bang = this.nextBangClose(p);
    if (bang !== -1 && (close === -1 || bang < close)) [close, closeLen] = [bang, 4];
    if (close === -1 || close + closeLen > end) return this.unterminated(end, depth);
    // `<!--[if mso]> … <![endif]-->`: Outlook renders the inside as HTML, so its links are real.
    CONDITION.lastIndex = p;
    const cond = CONDITION.exec(s);
    if (cond && p + cond[0].length <= close) this.region(p + cond[0].length, close, depth + 1);
    return close + closeLen;
  }

  /** Next `--!>` (a rare comment ending) at or after p; remembered so that many comments stay linear. */
  private nextBangClose(p: number): number {
    if (this.bangAt === -1 || this.bangAt >= p) return this.bangAt;
    this.bangAt = this.s.indexOf('--!>', p);
    return this.bangAt;
  }

  private readName(from: number, end: number): number {
    const s = this.s;
    let i = from;
    while (i < end) {
      const c = s.charCodeAt(i);
      if (isWs(c) || c === 47 || c === 62) break;
      i++;
    }
    return i;
  }

  private startTag(lt: number, end: number, depth: number): number {
    const s = this.s;
    const nameEnd = this.readName(lt + 1, end);
    const name = s.slice(lt + 1, nameEnd).toLowerCase();
    const vml = name.charCodeAt(0) === 118 /* v */ && name.charCodeAt(1) === 58; /* : */
    const wantAttrs = name === 'a' || vml || (depth === 0 && name === 'base' && this.r.baseHref === null);
    const attrs: Attr[] | null = wantAttrs ? [] : null;
    const close = this.parseAttrs(nameEnd, end, attrs);
    if (name === 'a' || vml) this.link(name, vml, lt, attrs as Attr[], close);
    if (close < 0) return this.unterminated(end, depth);
    if (depth === 0) this.landmark(name, attrs, close);
    if (RAW_TEXT.has(name)) return this.skipRawText(name, close, end, depth);
    if (name === 'plaintext') return this.unterminated(end, depth);
    return close;
  }

  private link(name: string, vml: boolean, lt: number, attrs: Attr[], close: number): void {
    const hasHref = attrs.some((a) => a.name === 'href');
    if (!vml) this.pending = null; // a new <a> ends the previous one, as in browsers
    if (!hasHref) return;
    const tag: LinkTag = { kind: vml ? 'vml' : 'a', tagStart: lt, attrs, malformed: close < 0 || this.malformed, text: '', textOverflow: false };
    this.r.links.push(tag);
    this.pending = close < 0 || (vml && this.selfClosing) ? null : tag;
    this.pendingName = name;
  }

  private landmark(name: string, attrs: Attr[] | null, close: number): void {
    const r = this.r;
    if (name === 'body' && r.bodyOpenEnd < 0) r.bodyOpenEnd = close;
    else if (name === 'html' && r.htmlOpenEnd < 0) r.htmlOpenEnd = close;
    else if (name === 'base' && attrs && !this.malformed) {
      const href = attrs.find((a) => a.name === 'href');
      if (href) r.baseHref = href.valueStart < 0 ? '' : this.s.slice(href.valueStart, href.valueEnd);
    }
  }

  private skipRawText(name: string, from: number, end: number, depth: number): number {
    const s = this.s;
    let k = from;
    for (;;) {
      k = s.indexOf('</', k);
      if (k === -1 || k >= end) return this.unterminated(end, depth);
      const after = k + 2 + name.length;
      if (s.slice(k + 2, after).toLowerCase() === name && (after >= end || isWs(s.charCodeAt(after)) || s.charCodeAt(after) === 47 || s.charCodeAt(after) === 62)) {
        return k; // the end tag itself is scanned as markup next
      }
      k += 2;
    }
  }

  private endTag(lt: number, end: number, depth: number): number {
    const s = this.s;
    const nameEnd = this.readName(lt + 2, end);
    const name = s.slice(lt + 2, nameEnd).toLowerCase();
    const close = this.parseAttrs(nameEnd, end, null);
    if (close < 0) return this.unterminated(end, depth);
    if (this.pending !== null && name === this.pendingName) this.pending = null;
    if (depth === 0) {
      const r = this.r;
      if (name === 'body') r.bodyCloseStart = lt;
      else if (name === 'head' && r.headCloseEnd < 0) r.headCloseEnd = close;
      else if (name === 'html') r.htmlCloseStart = lt;
    }
    return close;
  }

  /**
   * Reads attributes from pos to the tag's `>`; returns the offset after it, or -1 when the tag does
   * not end before `end`. Sets `malformed` when the syntax is one a browser recovers from by guessing.
   */
  private parseAttrs(pos: number, end: number, sink: Attr[] | null): number {
    const s = this.s;
    let i = pos;
    this.malformed = false;
    this.selfClosing = false;
    for (;;) {
      while (i < end) {
        const c = s.charCodeAt(i);
        if (isWs(c)) i++;
        else if (c === 47) {
          if (s.charCodeAt(i + 1) === 62 && i + 1 < end) {
            this.selfClosing = true;
            return i + 2;
          }
          this.malformed = true;
          i++;
        } else break;
      }
      if (i >= end) return -1;
      if (s.charCodeAt(i) === 62) return i + 1;
      i = this.attr(i, end, sink);
      if (i < 0) return -1;
    }
  }

  /** One attribute starting at i; returns the offset after it or -1 at the end of input. */
  private attr(i: number, end: number, sink: Attr[] | null): number {
    const s = this.s;
    const nameStart = i;
    if (s.charCodeAt(i) === 61) {
      this.malformed = true; // `=` opening a name
      i++;
    }
    while (i < end) {
      const c = s.charCodeAt(i);
      if (isWs(c) || c === 47 || c === 62 || c === 61) break;
      if (c === 34 || c === 39 || c === 60) this.malformed = true;
      i++;
    }
    const nameEnd = i;
    let j = i;
    while (j < end && isWs(s.charCodeAt(j))) j++;
    if (j >= end || s.charCodeAt(j) !== 61) {
      sink?.push({ name: s.slice(nameStart, nameEnd).toLowerCase(), valueStart: -1, valueEnd: -1, quote: 0 });
      return j;
    }
    j++;
    while (j < end && isWs(s.charCodeAt(j))) j++;
    if (j >= end) {
      sink?.push({ name: s.slice(nameStart, nameEnd).toLowerCase(), valueStart: j, valueEnd: j, quote: 0 });
      return -1;
    }
    return this.value(nameStart, nameEnd, j, end, sink);
  }

  private value(nameStart: number, nameEnd: number, j: number, end: number, sink: Attr[] | null): number {
    const s = this.s;
    const q = s.charCodeAt(j);
    let valueStart = j;
    let valueEnd: number;
    let next: number;
    if (q === 34 || q === 39) {
      const closeQ = s.indexOf(q === 34 ? '"' : "'", j + 1);
      if (closeQ === -1 || closeQ >= end) {
        // Recorded anyway, so that an unterminated href is reported (as unsure) rather than lost.
        sink?.push({ name: s.slice(nameStart, nameEnd).toLowerCase(), valueStart: j + 1, valueEnd: end, quote: q });
        return -1;
      }
      valueStart = j + 1;
      valueEnd = closeQ;
      next = closeQ + 1;
      const c = s.charCodeAt(next);
      if (next < end && !isWs(c) && c !== 47 && c !== 62) this.malformed = true; // `href="x"class=…`
    } else {
      if (q === 62) this.malformed = true; // `href=>`
      let k = j;
      while (k < end) {
        const c = s.charCodeAt(k);
        if (isWs(c) || c === 62) break;
        if (c === 34 || c === 39 || c === 60 || c === 61 || c === 96) this.malformed = true;
        k++;
      }
      valueEnd = k;
      next = k;
    }
    sink?.push({ name: s.slice(nameStart, nameEnd).toLowerCase(), valueStart, valueEnd, quote: q === 34 || q === 39 ? q : 0 });
    return next;
  }
}

/** Scans a whole HTML document or fragment; never throws on any string. */
export function scanHtml(html: string): ScanResult {
  const sc = new Scanner(html);
  sc.region(0, html.length, 0);
  return sc.r;
}
