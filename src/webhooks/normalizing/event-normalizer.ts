import { keysNamed } from '../../core/case-insensitive';
import { INT4_MAX, INT4_MIN } from '../../core/database/pg-limits';
import { pgText, pgValue } from '../../core/database/pg-text';
import { EVENT_FIELDS, EventFieldDef, EventFieldValues } from '../../events/event-fields';
import { canonicalEventType, KnownEventType, MetaEntry, storedEventType } from '../../events/event-names';
import { parseJsonWithin } from '../receiver/json-text';
import { isSecretKeyName } from '../receiver/secret-key';
import { isPlainObject, setOwn } from '../receiver/webhook-body.parser';

/**
 * An event's typed fields, as stored in `email_events` beside its raw text: by the receiver, in the statement that
 * stores the event, and again by a worker for a replay.
 *
 * Tolerant by design (docs/socketlabs-wire-format.md 1.4-1.8): field names in any case and their documented aliases
 * (the catalogue, event-fields.ts), numbers as JSON numbers or strings, both date formats, every `Data.Meta` shape.
 * A value that is present but cannot be read is never guessed at: its field stays null and the value is kept in
 * `extra` under its name as sent, next to the undocumented fields, so it stays visible through the API. Never throws,
 * whatever the event holds: characters PostgreSQL cannot hold are replaced by U+FFFD (pgText), keys such as
 * `__proto__` are plain data, and JSON text inside a value (form posts' `Data`) is read only within the receiver's
 * nesting limit.
 */
export interface NormalizedEvent extends EventFieldValues {
  /** The `type` column: canonical for a known type, an unknown one lower-cased (storedEventType); null when absent. */
  type: string | null;
  knownType: boolean;
  canonicalType: KnownEventType | null;
}

const TYPE = 'type';
const DATA = 'data';

/** Each lower-cased name a field is sent under: the field's place in the catalogue and the name's rank among its names. */
const NAMES = new Map<string, { field: number; rank: number }>();
EVENT_FIELDS.forEach((f, field) => f.names.forEach((name, rank) => NAMES.set(name, { field, rank })));

/** Every field null: the shape of each output, cloned (one object literal's shape, so V8 copies it fast). */
const EMPTY = Object.fromEntries([
  ['type', null],
  ['knownType', false],
  ['canonicalType', null],
  ...EVENT_FIELDS.map((f) => [f.property, null]),
]) as Record<string, unknown>;

export function normalizeEvent(body: Record<string, unknown>): NormalizedEvent {
  // One pass over what was sent: each member goes to the field it names (the type, Data, a catalogue field), or to
  // `extra`. This runs for every event on the webhook path, so no lookup is made twice.
  const candidates = new Array<Candidate[] | undefined>(EVENT_FIELDS.length);
  const types: Candidate[] = [];
  const datas: Candidate[] = [];
  const extra: Record<string, unknown> = {};
  let position = 0;
  for (const sent of Object.keys(body)) {
    const name = pgText(sent);
    // Never stored, whatever the receiver left in the body.
    if (isSecretKeyName(name)) continue;
    const lower = name.toLowerCase();
    const c: Candidate = { name, value: pgValue(body[sent]), rank: 0, position: position++ };
    if (lower === TYPE) types.push(c);
    else if (lower === DATA) datas.push(c);
    else {
      const named = NAMES.get(lower);
      if (!named) setOwn(extra, name, c.value);
      else {
        c.rank = named.rank;
        (candidates[named.field] ??= []).push(c);
      }
    }
  }

  const typeField = choose(types, extra);
  const canonicalType = canonicalEventType(typeField?.value) ?? null;
  const out = { ...EMPTY } as unknown as NormalizedEvent;
  const values = out as unknown as Record<string, unknown>;
  out.type = storedEventType(typeText(typeField?.value));
  out.knownType = canonicalType !== null;
  out.canonicalType = canonicalType;
  for (let i = 0; i < EVENT_FIELDS.length; i++) {
    const list = candidates[i];
    if (!list) continue;
    const field = EVENT_FIELDS[i];
    // From/To name the feedback-loop report's sender and receiver only on a complaint; elsewhere they are
    // undocumented and kept as they came.
    if (field.read === 'complaint-text' && canonicalType !== 'Complaint') {
      for (const c of list) setOwn(extra, c.name, c.value);
      continue;
    }
    const f = choose(list, extra)!;
    const value = readValue(field, f.value);
    if (value === undefined) setOwn(extra, f.name, f.value);
    else values[field.property] = value;
  }
  const data = choose(datas, extra);
  if (data) readData(data, out, extra);

  out.extra = Object.keys(extra).length ? extra : null;
  return out;
}

/** A member sent under one of a field's names: its name as sent, its value, the name's rank, its place in the body. */
interface Candidate extends Field {
  rank: number;
  position: number;
}

/**
 * When a field was sent more than once under its names (`ServerId` and `ServerID`, `Subject` and `SubjectLine`): the
 * first usable value, by the order of the field's names and then of the body, or the first if none is; the others
 * are kept in `extra`. Undefined when it was not sent.
 */
function choose(list: Candidate[], extra: Record<string, unknown>): Candidate | undefined {
  if (list.length <= 1) return list[0];
  list.sort((a, b) => a.rank - b.rank || a.position - b.position);
  const chosen = list.find((c) => !isBlank(c.value)) ?? list[0];
  for (const c of list) if (c !== chosen) setOwn(extra, c.name, c.value);
  return chosen;
}

/**
 * A field's value from what was sent: the value, null (absent or blank), or undefined when it cannot be read (the
 * caller keeps it in `extra`).
 */
function readValue(field: EventFieldDef, value: unknown): unknown {
  switch (field.read) {
    case 'date': {
      const date = parseEventDate(value);
      return date === null && !isBlank(value) ? undefined : date;
    }
    case 'address': {
      const s = asString(value);
      return typeof s === 'string' ? s.trim().toLowerCase() : s;
    }
    case 'text':
    case 'complaint-text':
      return asString(value);
    case 'int':
      return asInt(value);
    case 'enum': {
      const e = canonicalEnum(value, field.values ?? []);
      return e === null && !isBlank(value) ? undefined : e;
    }
    default:
      return undefined;
  }
}

function typeText(value: unknown): string | null {
  if (Array.isArray(value)) value = value[0];
  if (value === undefined || value === null) return null;
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- neither string nor object: a number or a boolean
  return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

// ---------------------------------------------------------------- fields

interface Field {
  /** The key as sent. */
  name: string;
  value: unknown;
}

// ---------------------------------------------------------------- values

/** JSON text inside a value, parsed and made safe for PostgreSQL; undefined when it is not JSON (or nests too deep). */
function parseEmbeddedJson(text: string): unknown {
  return pgValue(parseJsonWithin(text));
}

function isBlank(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'string' && value.trim() === '');
}

/** A text column: strings as sent ('' included), numbers and booleans as text; undefined when unreadable. */
function asString(value: unknown): string | null | undefined {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** An integer column (int4): numbers or numeric strings; '' is null; undefined when unreadable. */
function asInt(value: unknown): number | null | undefined {
  if (isBlank(value)) return null;
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && /^[+-]?\d+(\.0+)?$/.test(value.trim())) n = Number(value.trim());
  else return undefined;
  if (!Number.isInteger(n) || n < INT4_MIN || n > INT4_MAX) return undefined;
  return n;
}

/** SocketLabs sends these enums as their name or their number (0, 1, 2), as JSON or as text. */
function canonicalEnum(value: unknown, names: readonly string[]): string | null {
  if (typeof value === 'number')
    return Number.isInteger(value) && value >= 0 && value < names.length ? names[value] : null;
  if (typeof value !== 'string') return null;
  const s = value.trim().toLowerCase();
  if (/^\d+$/.test(s)) {
    const i = Number(s);
    return i < names.length ? names[i] : null;
  }
  return names.find((n) => n.toLowerCase() === s) ?? null;
}

// ---------------------------------------------------------------- dates

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const RFC1123 =
  /^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),\s*)?(\d{1,2})\s+(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+(\d{4})\s+(\d{2}):(\d{2})(?::(\d{2}))?\s*(GMT|UTC|UT|Z|[+-]\d{4})?$/i;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/**
 * ISO 8601 (SocketLabs' JSON: seven fractional digits and `Z`) or RFC 1123 (the legacy form posts:
 * `Mon, 01 Oct 2012 14:07:26 GMT`). Without a zone the time is taken as UTC, which is what SocketLabs uses.
 * Returns ISO 8601 in UTC with microseconds, or null when the text is not a real date in either format.
 */
export function parseEventDate(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const s = value.trim();
  let m = ISO.exec(s);
  if (m) {
    const [, y, mo, d, h, mi, sec, frac, zone] = m;
    return buildUtc(+y, +mo, +d, +h, +mi, sec ? +sec : 0, frac ?? '', offsetMinutes(zone));
  }
  m = RFC1123.exec(s);
  if (m) {
    const [, d, mon, y, h, mi, sec, zone] = m;
    return buildUtc(+y, MONTHS.indexOf(mon.toLowerCase()) + 1, +d, +h, +mi, sec ? +sec : 0, '', offsetMinutes(zone));
  }
  return null;
}

function offsetMinutes(zone: string | undefined): number | null {
  if (!zone || /^(z|gmt|utc|ut)$/i.test(zone)) return 0;
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (!m) return null;
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? 0);
  if (Number(m[2]) > 23 || Number(m[3] ?? 0) > 59) return null;
  return m[1] === '-' ? -minutes : minutes;
}

function buildUtc(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  frac: string,
  offset: number | null,
): string | null {
  if (offset === null || y < 1 || mo < 1 || mo > 12 || h > 23 || mi > 59 || s > 59) return null;
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (d < 1 || d > daysInMonth) return null;
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear does not.
  const date = new Date(Date.UTC(2000, mo - 1, d, h, mi, s));
  date.setUTCFullYear(y);
  const t = date.getTime() - offset * 60_000;
  const shifted = new Date(t);
  if (shifted.getUTCFullYear() < 1 || shifted.getUTCFullYear() > 9999) return null;
  const micros = (frac + '000000').slice(0, 6);
  return `${shifted.toISOString().slice(0, 19)}.${micros}Z`;
}

// ---------------------------------------------------------------- Data

/** `Data` is an object, null, missing, or (form posts) JSON text; Meta and Tags come in several shapes. */
function readData(field: Field, out: NormalizedEvent, extra: Record<string, unknown>): void {
  let data = field.value;
  if (typeof data === 'string') {
    if (data.trim() === '') return;
    data = parseEmbeddedJson(data);
    if (data === undefined) {
      setOwn(extra, field.name, field.value);
      return;
    }
  }
  if (data === null || data === undefined) return;
  if (!isPlainObject(data)) {
    setOwn(extra, field.name, field.value);
    return;
  }
  const leftover: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    const lower = key.toLowerCase();
    if (lower === 'meta' && out.meta === null) {
      const meta = readMeta(value);
      if (meta === undefined) setOwn(leftover, key, value);
      else out.meta = meta;
    } else if (lower === 'tags' && out.tags === null) {
      const tags = readTags(value);
      if (tags === undefined) setOwn(leftover, key, value);
      else out.tags = tags;
    } else {
      setOwn(leftover, key, value);
    }
  }
  if (Object.keys(leftover).length) setOwn(extra, field.name, leftover);
}

/** Array of {Key, Value} (any case), one such object, or a plain key -> value map. Undefined when unreadable. */
export function readMeta(value: unknown): MetaEntry[] | null | undefined {
  if (typeof value === 'string') {
    if (value.trim() === '') return null;
    value = parseEmbeddedJson(value);
    if (value === undefined) return undefined;
  }
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) {
    const entries: MetaEntry[] = [];
    for (const item of value) {
      if (!isPlainObject(item)) return undefined;
      const pair = keyValuePair(item);
      if (pair) entries.push(pair);
      else entries.push(...mapEntries(item));
    }
    return entries;
  }
  if (isPlainObject(value)) return [keyValuePair(value) ?? mapEntries(value)].flat();
  return undefined;
}

/** `{Key, Value}` in any case (Value may be missing), and nothing else; undefined for any other object. */
function keyValuePair(item: Record<string, unknown>): MetaEntry | undefined {
  const keys = keysNamed(item, 'key');
  const values = keysNamed(item, 'value');
  if (keys.length !== 1 || keys.length + values.length !== Object.keys(item).length) return undefined;
  return { key: metaText(item[keys[0]]) ?? '', value: values.length ? metaText(item[values[0]]) : null };
}

function mapEntries(map: Record<string, unknown>): MetaEntry[] {
  return Object.entries(map).map(([key, value]) => ({ key, value: metaText(value) }));
}

function metaText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- neither string nor object: a number or a boolean
  return String(value);
}

/** An array of strings (numbers kept as text), or one string. Undefined when unreadable. */
export function readTags(value: unknown): string[] | null | undefined {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') {
    const s = value.trim();
    if (s === '') return null;
    if (s.startsWith('[')) {
      const parsed = parseEmbeddedJson(s);
      return parsed === undefined ? [value] : readTags(parsed);
    }
    return [value];
  }
  if (!Array.isArray(value)) return undefined;
  if (!value.every((t) => typeof t === 'string' || typeof t === 'number' || typeof t === 'boolean')) return undefined;
  return value.map((t) => String(t));
}
