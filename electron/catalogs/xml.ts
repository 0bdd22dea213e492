/**
 * A small incremental XML tokenizer: enough XML 1.0 for VOTables (elements,
 * attributes, the five predefined and numeric entities, CDATA, comments,
 * processing instructions, DOCTYPE). Node has no DOMParser and a catalogue
 * answer can be large, so nothing is kept but the open-element stack: callers
 * receive open/close/text events and build only what they need.
 */

export class XmlParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlParseError';
  }
}

export interface XmlHandler {
  /** `name` is the local name (namespace prefix removed, e.g. "vot:TD" -> "TD"). */
  open(name: string, attrs: Record<string, string>): void;
  close(name: string): void;
  /** Character data with entities decoded; CDATA sections arrive verbatim. */
  text(text: string): void;
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function decodeEntities(s: string): string {
  if (s.indexOf('&') < 0) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z][A-Za-z0-9]*);/g, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (!Number.isFinite(code) || code > 0x10ffff) throw new XmlParseError(`bad character reference ${whole}`);
      return String.fromCodePoint(code);
    }
    const v = PREDEFINED[ref];
    // Entities from a DTD we do not read (e.g. &nbsp;) are left as written.
    return v ?? whole;
  });
}

function localName(qname: string): string {
  const i = qname.indexOf(':');
  return i < 0 ? qname : qname.slice(i + 1);
}

const ATTR_RE = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

export class XmlTokenizer {
  private buf = '';
  private cur = 0;
  private stack: string[] = [];
  private sawRoot = false;
  private rootClosed = false;
  /** Characters consumed before `buf`, for error positions. */
  private consumed = 0;

  constructor(private readonly handler: XmlHandler) {}

  write(chunk: string): void {
    if (this.cur > 0) {
      this.consumed += this.cur;
      this.buf = this.buf.slice(this.cur);
      this.cur = 0;
    }
    this.buf += chunk;
    this.drain(false);
  }

  /** Finish: throws when the document stopped early (a truncated answer). */
  end(): void {
    this.drain(true);
    if (this.stack.length) {
      throw new XmlParseError(`document ended inside <${this.stack[this.stack.length - 1]}> (truncated?)`);
    }
    if (!this.sawRoot) throw new XmlParseError('no XML element found (empty or not XML)');
  }

  get depth(): number {
    return this.stack.length;
  }

  private fail(msg: string): never {
    throw new XmlParseError(`${msg} at character ${this.consumed + this.cur}`);
  }

  private drain(final: boolean): void {
    const buf = this.buf;
    while (this.cur < buf.length) {
      const lt = buf.indexOf('<', this.cur);
      if (lt !== this.cur) {
        // Text up to the next tag (or all that is here, keeping an unfinished entity).
        let stop = lt < 0 ? buf.length : lt;
        if (lt < 0 && !final) {
          const amp = buf.lastIndexOf('&');
          if (amp >= this.cur && buf.indexOf(';', amp) < 0) stop = amp;
        }
        if (stop > this.cur) this.emitText(buf.slice(this.cur, stop));
        this.cur = stop;
        if (lt < 0) return;
        continue;
      }
      const rest = buf.length - this.cur;
      if (!final && rest < 9 && buf.indexOf('>', this.cur) < 0) return;
      if (buf.startsWith('<!--', this.cur)) {
        const e = buf.indexOf('-->', this.cur + 4);
        if (e < 0) return this.waitOrFail(final, 'unterminated comment');
        this.cur = e + 3;
      } else if (buf.startsWith('<![CDATA[', this.cur)) {
        const e = buf.indexOf(']]>', this.cur + 9);
        if (e < 0) return this.waitOrFail(final, 'unterminated CDATA section');
        if (!this.stack.length) this.fail('CDATA outside the root element');
        this.handler.text(buf.slice(this.cur + 9, e));
        this.cur = e + 3;
      } else if (buf.startsWith('<?', this.cur)) {
        const e = buf.indexOf('?>', this.cur + 2);
        if (e < 0) return this.waitOrFail(final, 'unterminated processing instruction');
        this.cur = e + 2;
      } else if (buf.startsWith('<!', this.cur)) {
        const bracket = buf.indexOf('[', this.cur);
        const gt = buf.indexOf('>', this.cur);
        let e = gt;
        if (bracket >= 0 && (gt < 0 || bracket < gt)) {
          const close = buf.indexOf(']', bracket);
          e = close < 0 ? -1 : buf.indexOf('>', close);
        }
        if (e < 0) return this.waitOrFail(final, 'unterminated declaration');
        this.cur = e + 1;
      } else if (buf.startsWith('</', this.cur)) {
        const e = buf.indexOf('>', this.cur + 2);
        if (e < 0) return this.waitOrFail(final, 'unterminated end tag');
        const qname = buf.slice(this.cur + 2, e).trim();
        const open = this.stack.pop();
        if (open !== qname) this.fail(open ? `</${qname}> closes <${open}>` : `</${qname}> without an open element`);
        this.cur = e + 1;
        this.handler.close(localName(qname));
        if (!this.stack.length) this.rootClosed = true;
      } else {
        const e = this.findTagEnd(this.cur + 1);
        if (e < 0) return this.waitOrFail(final, 'unterminated start tag');
        this.startTag(buf.slice(this.cur + 1, e));
        this.cur = e + 1;
      }
    }
  }

  private waitOrFail(final: boolean, msg: string): void {
    if (final) this.fail(`${msg} (truncated?)`);
  }

  /** Index of the '>' closing a start tag, skipping quoted attribute values. */
  private findTagEnd(from: number): number {
    const buf = this.buf;
    let quote = '';
    for (let i = from; i < buf.length; i++) {
      const c = buf[i];
      if (quote) {
        if (c === quote) quote = '';
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '>') return i;
      else if (c === '<') this.fail('"<" inside a tag');
    }
    return -1;
  }

  private startTag(body: string): void {
    const selfClosing = body.endsWith('/');
    if (selfClosing) body = body.slice(0, -1);
    const m = /^[^\s/>]+/.exec(body);
    if (!m) this.fail('element without a name');
    const qname = m[0];
    if (this.rootClosed) this.fail(`second root element <${qname}>`);
    const attrs: Record<string, string> = {};
    const rest = body.slice(qname.length);
    ATTR_RE.lastIndex = 0;
    let a: RegExpExecArray | null;
    let seen = 0;
    while ((a = ATTR_RE.exec(rest))) {
      attrs[localName(a[1])] = decodeEntities(a[2] ?? a[3] ?? '');
      seen += a[0].length;
    }
    if (rest.replace(/\s+/g, '').length > 0 && seen === 0) this.fail(`malformed attributes in <${qname}>`);
    this.sawRoot = true;
    const name = localName(qname);
    this.stack.push(qname);
    this.handler.open(name, attrs);
    if (selfClosing) {
      this.stack.pop();
      this.handler.close(name);
      if (!this.stack.length) this.rootClosed = true;
    }
  }

  private emitText(raw: string): void {
    if (!this.stack.length) {
      if (raw.trim()) this.fail('text outside the root element');
      return;
    }
    this.handler.text(decodeEntities(raw));
  }
}
