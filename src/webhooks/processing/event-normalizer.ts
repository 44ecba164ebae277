import { INT4_MAX, INT4_MIN } from '../../core/database/pg-limits';
import { FailureType, KnownEventType, MetaEntry, TrackingType } from '../../events/entities/email-event.entity';
import { canonicalEventType, FAILURE_TYPES, TRACKING_TYPES } from '../../events/event-names';
import { pgText, pgValue } from '../../core/database/pg-text';
import { parseJsonWithin } from '../receiver/json-text';
import { isPlainObject, setOwn } from '../receiver/webhook-body.parser';

/**
 * The typed columns of one event, as the worker writes them into `email_events`.
 *
 * Tolerant by design (docs/socketlabs-wire-format.md 1.4-1.8): field names in any case and their documented aliases, numbers
 * as JSON numbers or strings, both date formats, every `Data.Meta` shape. A value that is present but
 * cannot be read is never guessed at: its column stays null and the value is kept in `extra` under its
 * name as sent, next to the undocumented fields, so it stays visible through the API. Never throws, whatever the
 * event holds: characters PostgreSQL cannot hold are replaced by U+FFFD (pgText), keys such as `__proto__` are
 * plain data, and JSON text inside a value (form posts' `Data`) is read only within the receiver's nesting limit.
 */
export interface NormalizedEvent {
  knownType: boolean;
  /** Canonical spelling for a known type; the stored `type` column itself keeps the spelling as sent. */
  canonicalType: KnownEventType | null;
  /** ISO 8601 in UTC with microseconds (PostgreSQL's precision; a JS Date would cut SocketLabs' 7 digits to 3). */
  occurredAt: string | null;
  serverId: number | null;
  subaccountId: number | null;
  ipPoolId: number | null;
  /** Trimmed and lower-cased: messages and suppressions are keyed by the lower-cased address. */
  address: string | null;
  fromAddress: string | null;
  subject: string | null;
  mailingId: string | null;
  messageId: string | null;
  messageSize: number | null;
  deferralCode: number | null;
  reason: string | null;
  response: string | null;
  localIp: string | null;
  remoteMta: string | null;
  bounceStatus: string | null;
  diagnosticCode: string | null;
  failureType: FailureType | null;
  failureCode: number | null;
  trackingType: TrackingType | null;
  userAgent: string | null;
  clientIp: string | null;
  url: string | null;
  tag: string | null;
  fblType: string | null;
  fblFrom: string | null;
  fblTo: string | null;
  length: number | null;
  meta: MetaEntry[] | null;
  tags: string[] | null;
  extra: Record<string, unknown> | null;
}

type StringField =
  | 'fromAddress'
  | 'subject'
  | 'mailingId'
  | 'messageId'
  | 'reason'
  | 'response'
  | 'localIp'
  | 'remoteMta'
  | 'bounceStatus'
  | 'diagnosticCode'
  | 'userAgent'
  | 'clientIp'
  | 'url'
  | 'tag'
  | 'fblType';
type IntField = 'serverId' | 'subaccountId' | 'ipPoolId' | 'messageSize' | 'deferralCode' | 'failureCode' | 'length';

/** Lower-cased spellings seen in the wild for each field (docs/socketlabs-wire-format.md 1.4). */
const STRING_FIELDS: Record<StringField, string[]> = {
  fromAddress: ['fromaddress'],
  subject: ['subject', 'subjectline'],
  mailingId: ['mailingid'],
  messageId: ['messageid'],
  reason: ['reason'],
  response: ['response'],
  localIp: ['localip'],
  remoteMta: ['remotemta'],
  bounceStatus: ['bouncestatus'],
  diagnosticCode: ['diagnosticcode'],
  userAgent: ['useragent', 'user-agent'],
  clientIp: ['clientip'],
  url: ['url'],
  tag: ['tag'],
  fblType: ['fbltype'],
};
const INT_FIELDS: Record<IntField, string[]> = {
  serverId: ['serverid'],
  subaccountId: ['subaccountid'],
  ipPoolId: ['ippoolid'],
  messageSize: ['messagesize'],
  deferralCode: ['deferralcode'],
  failureCode: ['failurecode'],
  length: ['length'],
};
const STRING_FIELD_LIST = Object.entries(STRING_FIELDS) as [StringField, string[]][];
const INT_FIELD_LIST = Object.entries(INT_FIELDS) as [IntField, string[]][];

/** Never stored, whatever the receiver left in the body. */
const SECRET = /^secretkey$/i;

export function normalizeEvent(input: Record<string, unknown>): NormalizedEvent {
  const body = unwrapEnvelope(input);
  const fields = new FieldBag(body);

  const typeValue = fields.take(['type']);
  const canonicalType = canonicalEventType(typeValue?.value) ?? null;

  const out: NormalizedEvent = {
    knownType: canonicalType !== null,
    canonicalType,
    occurredAt: null,
    serverId: null,
    subaccountId: null,
    ipPoolId: null,
    address: null,
    fromAddress: null,
    subject: null,
    mailingId: null,
    messageId: null,
    messageSize: null,
    deferralCode: null,
    reason: null,
    response: null,
    localIp: null,
    remoteMta: null,
    bounceStatus: null,
    diagnosticCode: null,
    failureType: null,
    failureCode: null,
    trackingType: null,
    userAgent: null,
    clientIp: null,
    url: null,
    tag: null,
    fblType: null,
    fblFrom: null,
    fblTo: null,
    length: null,
    meta: null,
    tags: null,
    extra: null,
  };
  const extra: Record<string, unknown> = {};
  const keep = (f: Field | undefined) => {
    if (f) setOwn(extra, f.name, f.value);
  };

  const dateField = fields.take(['datetime']);
  if (dateField) {
    out.occurredAt = parseEventDate(dateField.value);
    if (out.occurredAt === null && !isBlank(dateField.value)) keep(dateField);
  }

  const addressField = fields.take(['address']);
  if (addressField) {
    const s = asString(addressField.value);
    if (s === undefined) keep(addressField);
    else out.address = s === null ? null : s.trim().toLowerCase();
  }

  for (const [column, names] of STRING_FIELD_LIST) {
    const f = fields.take(names);
    if (!f) continue;
    const s = asString(f.value);
    if (s === undefined) keep(f);
    else out[column] = s;
  }

  for (const [column, names] of INT_FIELD_LIST) {
    const f = fields.take(names);
    if (!f) continue;
    const n = asInt(f.value);
    if (n === undefined) keep(f);
    else out[column] = n;
  }

  const failureType = fields.take(['failuretype']);
  if (failureType) {
    out.failureType = canonicalEnum(failureType.value, FAILURE_TYPES);
    if (out.failureType === null && !isBlank(failureType.value)) keep(failureType);
  }
  const trackingType = fields.take(['trackingtype']);
  if (trackingType) {
    out.trackingType = canonicalEnum(trackingType.value, TRACKING_TYPES);
    if (out.trackingType === null && !isBlank(trackingType.value)) keep(trackingType);
  }

  // From/To name the feedback-loop report's sender and receiver only on a complaint; elsewhere they are
  // undocumented and kept as they came.
  if (canonicalType === 'Complaint') {
    for (const [column, name] of [['fblFrom', 'from'], ['fblTo', 'to']] as const) {
      const f = fields.take([name]);
      if (!f) continue;
      const s = asString(f.value);
      if (s === undefined) keep(f);
      else out[column] = s;
    }
  }

  const data = fields.take(['data']);
  if (data) readData(data, out, extra);

  // Type has a column of its own (`type`, as sent), so it never goes to extra.
  for (const f of fields.rest()) keep(f);

  out.extra = Object.keys(extra).length ? extra : null;
  return out;
}

// ---------------------------------------------------------------- fields

interface Field {
  /** The key as sent. */
  name: string;
  value: unknown;
}

/**
 * The body's keys, looked up case-insensitively. When a body carries the same field twice under different
 * spellings (`ServerId` and `ServerID`), the first usable one wins and the other stays in `extra`.
 */
class FieldBag {
  private readonly byLower = new Map<string, Field[]>();

  constructor(body: Record<string, unknown>) {
    for (const [sent, value] of Object.entries(body)) {
      if (SECRET.test(sent)) continue;
      const name = pgText(sent);
      const lower = name.toLowerCase();
      const list = this.byLower.get(lower) ?? [];
      list.push({ name, value: pgValue(value) });
      this.byLower.set(lower, list);
    }
  }

  /** The first usable field under any of the names (in their order), or the first one; it leaves the bag. */
  take(names: readonly string[]): Field | undefined {
    // Written without intermediate arrays: this runs some thirty times per event.
    let first: Field | undefined;
    let chosen: Field | undefined;
    for (const n of names) {
      const list = this.byLower.get(n);
      if (!list) continue;
      for (const c of list) {
        first ??= c;
        if (!chosen && !isBlank(c.value)) chosen = c;
      }
    }
    chosen ??= first;
    if (!chosen) return undefined;
    for (const n of names) {
      const list = this.byLower.get(n);
      const i = list ? list.indexOf(chosen) : -1;
      if (i < 0) continue;
      if (list!.length === 1) this.byLower.delete(n);
      else list!.splice(i, 1);
      break;
    }
    return chosen;
  }

  rest(): Field[] {
    return [...this.byLower.values()].flat();
  }
}

/** The v2 API's `{ "data": {...} }` envelope (docs/socketlabs-wire-format.md 1.2): unwrapped when the root has no Type. */
function unwrapEnvelope(body: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(body);
  if (keys.some((k) => k.toLowerCase() === 'type')) return body;
  const dataKey = keys.find((k) => k.toLowerCase() === 'data');
  const inner = dataKey ? body[dataKey] : undefined;
  if (keys.length === 1 && isPlainObject(inner) && Object.keys(inner).some((k) => k.toLowerCase() === 'type')) return inner;
  return body;
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
function canonicalEnum<T extends string>(value: unknown, names: readonly T[]): T | null {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 && value < names.length ? names[value] : null;
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

function buildUtc(y: number, mo: number, d: number, h: number, mi: number, s: number, frac: string, offset: number | null): string | null {
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

function keyValuePair(item: Record<string, unknown>): MetaEntry | undefined {
  const keys = Object.keys(item);
  const k = keys.find((x) => x.toLowerCase() === 'key');
  if (k === undefined || keys.some((x) => x !== k && x.toLowerCase() !== 'value')) return undefined;
  const v = keys.find((x) => x.toLowerCase() === 'value');
  return { key: metaText(item[k]) ?? '', value: v === undefined ? null : metaText(item[v]) };
}

function mapEntries(map: Record<string, unknown>): MetaEntry[] {
  return Object.entries(map).map(([key, value]) => ({ key, value: metaText(value) }));
}

function metaText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
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
