import type { BodyFormat } from '../../events/entities/email-event.entity';

/** One event as posted: JSON values as parsed, or form values as strings (an array when a field repeats). */
export type WebhookEvent = Record<string, unknown>;

/** Why the receiver refused a request; the upper-cased reason is the `code` of the error answer. */
export type RejectReason =
  | 'empty_body'
  | 'unparseable_body'
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

/**
 * Turns a raw webhook body into its events. JSON: an object (one event) or an array of objects (each its own
 * event); a root object with no `Type` and no `SecretKey` but a `data` object is the `{"data": {...}}`
 * envelope of SocketLabs' perform-test output and is unwrapped (SOCKETLABS.md 1.2). Form: URLSearchParams
 * semantics (every value a string, empty values kept, `+` and %20 are spaces, CRLF kept); a field sent twice
 * keeps every value, as an array, so nothing posted is dropped.
 */
export function parseWebhookBody(body: Buffer | string | undefined, format: BodyFormat): WebhookEvent[] {
  const text = body === undefined ? '' : typeof body === 'string' ? body : body.toString('utf8');
  if (text.trim().length === 0) throw new WebhookRefusal(400, 'empty_body', 'The body is empty');
  return format === 'json' ? parseJson(text) : [parseForm(text)];
}

function parseJson(text: string): WebhookEvent[] {
  let value: unknown;
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    throw new WebhookRefusal(400, 'unparseable_body', `The body is not valid JSON: ${(err as Error).message}`);
  }
  if (Array.isArray(value)) {
    if (value.length === 0) throw new WebhookRefusal(400, 'empty_body', 'The body is an empty array: no event');
    return value.map((item, i) => {
      if (!isPlainObject(item)) throw new WebhookRefusal(400, 'unparseable_body', `Item ${i} of the array is not a JSON object`);
      return unwrapDataEnvelope(item);
    });
  }
  if (!isPlainObject(value)) throw new WebhookRefusal(400, 'unparseable_body', 'The body must be a JSON object or an array of objects');
  return [unwrapDataEnvelope(value)];
}

/**
 * `target[key] = value` for a key taken from a payload: a key named __proto__ becomes an own data property too,
 * instead of replacing the object's prototype (and vanishing from it).
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function parseForm(text: string): WebhookEvent {
  const out: WebhookEvent = {};
  for (const [key, value] of new URLSearchParams(text)) {
    if (!Object.prototype.hasOwnProperty.call(out, key)) {
      setOwn(out, key, value);
    } else {
      const prev = out[key];
      out[key] = Array.isArray(prev) ? [...prev, value] : [prev, value];
    }
  }
  return out;
}

function unwrapDataEnvelope(event: WebhookEvent): WebhookEvent {
  if (findKey(event, 'type') !== undefined || findKey(event, 'secretkey') !== undefined) return event;
  const dataKey = findKey(event, 'data');
  const inner = dataKey === undefined ? undefined : event[dataKey];
  return isPlainObject(inner) ? inner : event;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The first key of `event` equal to `lowerName` ignoring case (SocketLabs spells ServerId, ServerID...). */
function findKey(event: WebhookEvent, lowerName: string): string | undefined {
  for (const key of Object.keys(event)) if (key.toLowerCase() === lowerName) return key;
  return undefined;
}

/** Every value of the fields named `lowerName` in any case (a body could carry both `SecretKey` and `secretKey`). */
export function fieldValues(event: WebhookEvent, lowerName: string): unknown[] {
  const out: unknown[] = [];
  for (const key of Object.keys(event)) if (key.toLowerCase() === lowerName) out.push(event[key]);
  return out;
}

/** `Type` as sent, or null. NUL characters are dropped because PostgreSQL text cannot hold them. */
export function eventTypeOf(event: WebhookEvent): string | null {
  const values = fieldValues(event, 'type');
  let v = values[0];
  if (Array.isArray(v)) v = v[0];
  if (v === undefined || v === null) return null;
  const s = (typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v)).replace(/\u0000/g, '');
  return s;
}

/** Whether an event's type (from eventTypeOf) is SocketLabs' validation handshake. */
export function isValidationType(type: string | null): boolean {
  return type?.trim().toLowerCase() === 'validation';
}
