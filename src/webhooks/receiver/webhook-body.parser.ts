import { findKey, valueNamed } from '../../core/case-insensitive';
import { pgText } from '../../core/database/pg-text';
import type { BodyFormat } from '../../events/event-names';
import { JsonScanner, MAX_JSON_DEPTH, nestsDeeperThan, objectTextWithout } from './json-text';
import { isSecretKeyName } from './secret-key';
import { errorMessage } from '../../core/error-message';

/** One event as posted: JSON values as parsed, or form values as strings (an array when a field repeats). */
export type WebhookEvent = Record<string, unknown>;

/** Why the receiver refused a request; the upper-cased reason is the `code` of the error answer. */
export type RejectReason =
  | 'empty_body'
  | 'unparseable_body'
  | 'nesting_too_deep'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'bad_request'
  | 'unknown_endpoint'
  | 'disabled_endpoint'
  | 'endpoint_not_configured'
  | 'missing_secret'
  | 'wrong_secret'
  | 'server_id_mismatch'
  | 'subaccount_id_mismatch'
  | 'event_store_unavailable'
  | 'internal_error';

/** A webhook request the receiver refuses: answered with `status` and the upper-cased `reason` as the error code. */
export class WebhookRefusal extends Error {
  constructor(
    readonly status: number,
    readonly reason: RejectReason,
    message: string,
  ) {
    super(message);
  }
}

/** `application/json` (and `+json`) or `application/x-www-form-urlencoded`; anything else is not a webhook body. */
export function bodyFormatOf(contentType: string | undefined): BodyFormat | null {
  if (!contentType) return null;
  const semi = contentType.indexOf(';');
  const media = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  if (media === 'application/json' || (media.startsWith('application/') && media.endsWith('+json'))) return 'json';
  if (media === 'application/x-www-form-urlencoded') return 'form';
  return null;
}

/** One event of a body: its fields as parsed, and the text stored for it (SocketLabs' own, without SecretKey). */
export interface ReceivedEvent {
  fields: WebhookEvent;
  /**
   * JSON: the event object's text exactly as it stood in the body, minus its top-level SecretKey members (any case).
   * Form: the body's `name=value` pairs as sent, minus the SecretKey pairs (a raw NUL byte, which PostgreSQL text
   * cannot hold, as U+FFFD). What the worker normalizes and a replay parses again.
   */
  raw: string;
}

/**
 * Turns a raw webhook body into its events. JSON: an object (one event) or an array of objects (each its own
 * event); a root object with no `Type` and no `SecretKey` but a `data` object is the `{"data": {...}}`
 * envelope of SocketLabs' perform-test output and is unwrapped (docs/socketlabs-wire-format.md). Arrays and objects
 * may nest MAX_JSON_DEPTH levels. Form: URLSearchParams semantics (every value a string, empty values kept, `+` and
 * %20 are spaces, CRLF kept); a field sent twice keeps every value, as an array, so nothing posted is dropped.
 * Keys such as `__proto__`, `constructor` and `prototype` are plain data. Throws a WebhookRefusal (400) for a body
 * that is not one of these; anything else it accepts.
 */
export function parseWebhookBody(body: Buffer | string | undefined, format: BodyFormat): ReceivedEvent[] {
  const text = body === undefined ? '' : typeof body === 'string' ? body : body.toString('utf8');
  if (text.trim().length === 0) throw new WebhookRefusal(400, 'empty_body', 'The body is empty');
  return format === 'json' ? parseJson(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) : [parseForm(text)];
}

/**
 * The fields of an event as stored in `raw` (parseWebhookBody's `raw` of a body of `format`), parsed as the
 * receiver parsed them. Throws when the text is not one stored event: such a row can never be normalized.
 */
export function parseStoredEvent(raw: string, format: BodyFormat): WebhookEvent {
  if (format === 'form') return formFields(raw);
  return parseJson(raw, true)[0].fields;
}

/** `stored`: the text of one stored event, an object; its envelope was unwrapped when it was received, not twice. */
function parseJson(text: string, stored = false): ReceivedEvent[] {
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    throw new WebhookRefusal(
      400,
      'nesting_too_deep',
      `The body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new WebhookRefusal(400, 'unparseable_body', `The body is not valid JSON: ${errorMessage(err)}`);
  }
  const scanner = new JsonScanner(text);
  const root = scanner.root();
  if (Array.isArray(value) && !stored) {
    if (value.length === 0) throw new WebhookRefusal(400, 'empty_body', 'The body is an empty array: no event');
    const items = scanner.arrayItems(root);
    return value.map((item, i) => {
      if (!isPlainObject(item))
        throw new WebhookRefusal(400, 'unparseable_body', `Item ${i} of the array is not a JSON object`);
      return received(text, scanner, items[i].start, item, true);
    });
  }
  if (!isPlainObject(value))
    throw new WebhookRefusal(400, 'unparseable_body', 'The body must be a JSON object or an array of objects');
  return [received(text, scanner, root, value, !stored)];
}

/** The event of the object at `at` (or of its `{"data": {...}}` envelope's inner object, once) and its stored text. */
function received(text: string, scanner: JsonScanner, at: number, value: WebhookEvent, unwrap: boolean): ReceivedEvent {
  const span = scanner.object(at);
  const envelope = unwrap ? envelopeKey(value) : undefined;
  if (envelope === undefined) return { fields: value, raw: objectTextWithout(text, span, isSecretKeyName) };
  // JSON.parse keeps the last of duplicate keys: so does this.
  const member = span.members.filter((m) => m.key === envelope).pop()!;
  return received(text, scanner, member.valueStart, value[envelope] as WebhookEvent, false);
}

/** The key of the `data` envelope to unwrap, or undefined when the object is the event itself. */
function envelopeKey(event: WebhookEvent): string | undefined {
  if (findKey(event, 'type') !== undefined || findKey(event, 'secretkey') !== undefined) return undefined;
  const dataKey = findKey(event, 'data');
  return dataKey !== undefined && isPlainObject(event[dataKey]) ? dataKey : undefined;
}

/**
 * `target[key] = value` for a key taken from a payload: a key named __proto__ becomes an own data property too,
 * instead of replacing the object's prototype (and vanishing from it).
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function parseForm(text: string): ReceivedEvent {
  const fields = formFields(text);
  const pairs = text.split('&');
  const kept = pairs.filter((pair) => !isSecretKeyName(formKey(pair)));
  const raw = kept.length === pairs.length ? text : kept.join('&');
  // A raw NUL byte (not %00) is no valid form encoding and no PostgreSQL text: stored as U+FFFD, like in the
  // typed columns. (Written `%00` instead, Node's URLSearchParams decodes some neighbouring bytes differently.)
  return { fields, raw: pgText(raw) };
}

function formFields(text: string): WebhookEvent {
  const out: WebhookEvent = {};
  for (const [key, value] of new URLSearchParams(text)) {
    if (!Object.prototype.hasOwnProperty.call(out, key)) {
      setOwn(out, key, value);
    } else {
      const prev = out[key];
      out[key] = Array.isArray(prev) ? [...(prev as unknown[]), value] : [prev, value];
    }
  }
  return out;
}

/** The name of one `name=value` pair as URLSearchParams decodes it. */
function formKey(pair: string): string {
  const eq = pair.indexOf('=');
  const name = eq === -1 ? pair : pair.slice(0, eq);
  if (!name.includes('%') && !name.includes('+')) return name;
  for (const key of new URLSearchParams(`${name}=`).keys()) return key;
  return name;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `Type` as sent, or null; made safe for PostgreSQL text (pgText), like every typed column. */
export function eventTypeOf(event: WebhookEvent): string | null {
  let v = valueNamed(event, 'type');
  if (Array.isArray(v)) v = v[0];
  if (v === undefined || v === null) return null;
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- neither string nor object: a number or a boolean
  return pgText(typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v));
}

/** Whether an event's type (from eventTypeOf) is SocketLabs' validation handshake. */
export function isValidationType(type: string | null): boolean {
  return type?.trim().toLowerCase() === 'validation';
}
