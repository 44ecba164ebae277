/**
 * JSON text as SocketLabs sent it: how deep it nests, and the text of one object without some of its members.
 * The receiver stores each event's own bytes (minus the SecretKey), not a re-serialisation of what JSON.parse made
 * of them: duplicate keys, number spellings such as `1.0` or 20-digit ids, and key order all survive, so a parser
 * fixed later can be replayed over exactly what was received (docs/socketlabs-wire-format.md, "What is stored").
 * Cost on the webhook path, measured for a 455-byte Delivered event: 4.1-4.2 us to parse, scan the depth and cut
 * the SecretKey out, against 3.2 us for the JSON.parse and re-serialisation it replaces (a receiver request costs
 * some 80 us in all).
 */

/** Arrays and objects nested deeper than this are refused (400): the root object is level 1. */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/**
 * Whether arrays and objects nest deeper than `limit` anywhere in `text` (strings skipped). Runs before JSON.parse,
 * so that a body of a million `[` is refused in one linear pass instead of exhausting a recursive walk later.
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = stringEnd(text, i) - 1;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

/** JSON.parse, or undefined when the text is not JSON or nests deeper than `limit`. Never throws. */
export function parseJsonWithin(text: string, limit = MAX_JSON_DEPTH): unknown {
  if (nestsDeeperThan(text, limit)) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** One member of an object in the text: where its key starts, where its value starts and ends, its key as JSON.parse reads it. */
interface Member {
  key: string;
  start: number;
  valueStart: number;
  end: number;
}

/** An object in the text: `start` at its `{`, `end` just after its `}`. */
export interface ObjectSpan {
  start: number;
  end: number;
  members: Member[];
}

/**
 * Positions in text that JSON.parse has already accepted: the scanner relies on it being valid and checks nothing.
 * Only the top levels are looked into (the root, the items of a root array, the members of one object).
 */
export class JsonScanner {
  private i = 0;

  constructor(private readonly text: string) {}

  /** The root value's start, after any white space. */
  root(): number {
    this.i = 0;
    this.skipSpace();
    return this.i;
  }

  /** The items of the array that starts at `at`, each as the span of its text. */
  arrayItems(at: number): { start: number; end: number }[] {
    const items: { start: number; end: number }[] = [];
    this.i = at + 1;
    this.skipSpace();
    if (this.text.charCodeAt(this.i) === CLOSE_BRACKET) return items;
    for (;;) {
      this.skipSpace();
      const start = this.i;
      this.skipValue();
      items.push({ start, end: this.i });
      this.skipSpace();
      if (this.text.charCodeAt(this.i++) !== COMMA) return items;
    }
  }

  /** The object that starts at `at` and its members. */
  object(at: number): ObjectSpan {
    const members: Member[] = [];
    this.i = at + 1;
    this.skipSpace();
    if (this.text.charCodeAt(this.i) !== CLOSE_BRACE) {
      for (;;) {
        this.skipSpace();
        const start = this.i;
        const keyEnd = stringEnd(this.text, start);
        const quoted = this.text.slice(start, keyEnd);
        const key = quoted.includes('\\') ? (JSON.parse(quoted) as string) : quoted.slice(1, -1);
        this.i = keyEnd;
        this.skipSpace();
        this.i++; // the colon
        this.skipSpace();
        const valueStart = this.i;
        this.skipValue();
        members.push({ key, start, valueStart, end: this.i });
        this.skipSpace();
        if (this.text.charCodeAt(this.i++) !== COMMA) break;
      }
    } else {
      this.i++;
    }
    return { start: at, end: this.i, members };
  }

  private skipSpace(): void {
    for (;;) {
      const c = this.text.charCodeAt(this.i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.i++;
      else return;
    }
  }

  /** Past one value of any kind, nested ones included. */
  private skipValue(): void {
    const c = this.text.charCodeAt(this.i);
    if (c === QUOTE) {
      this.i = stringEnd(this.text, this.i);
      return;
    }
    if (c !== OPEN_BRACE && c !== OPEN_BRACKET) {
      // A number, true, false or null: up to the next delimiter.
      while (this.i < this.text.length) {
        const d = this.text.charCodeAt(this.i);
        if (
          d === COMMA ||
          d === CLOSE_BRACE ||
          d === CLOSE_BRACKET ||
          d === COLON ||
          d === 0x20 ||
          d === 0x0a ||
          d === 0x0d ||
          d === 0x09
        )
          return;
        this.i++;
      }
      return;
    }
    let depth = 0;
    for (; this.i < this.text.length; this.i++) {
      const d = this.text.charCodeAt(this.i);
      if (d === QUOTE) {
        this.i = stringEnd(this.text, this.i) - 1;
      } else if (d === OPEN_BRACE || d === OPEN_BRACKET) {
        depth++;
      } else if (d === CLOSE_BRACE || d === CLOSE_BRACKET) {
        if (--depth === 0) {
          this.i++;
          return;
        }
      }
    }
  }
}

/** The index just after the string that starts with the quote at `at`. */
function stringEnd(text: string, at: number): number {
  for (let i = at + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i + 1;
  }
  return text.length;
}

/**
 * The text of an object without the members `drop` says to drop, everything else as it was written: the white space
 * and commas between the members that stay are their own, so only the dropped members and one comma each go.
 */
export function objectTextWithout(text: string, span: ObjectSpan, drop: (key: string) => boolean): string {
  const { members } = span;
  if (!members.some((m) => drop(m.key))) return text.slice(span.start, span.end);
  const kept = members.filter((m) => !drop(m.key));
  if (kept.length === 0) return '{}';
  // Before the first member: `{` and its white space. Between two kept members: what followed the first of them
  // in the text (its comma and the white space up to the next member). After the last: white space and `}`.
  let out = text.slice(span.start, members[0].start);
  kept.forEach((m, k) => {
    out += text.slice(m.start, m.end);
    if (k < kept.length - 1) {
      const next = members[members.indexOf(m) + 1];
      out += text.slice(m.end, next.start);
    }
  });
  return out + text.slice(members[members.length - 1].end, span.end);
}
