import { FAILURE_TYPES, FailureType, MetaEntry, TRACKING_TYPES, TrackingType } from './event-names';

/**
 * The catalogue of an event's typed fields: for each, the property of the API and of the normalizer's output, the
 * column of `email_events`, its PostgreSQL type, how it is read from what SocketLabs posts (the names it comes under,
 * lower-cased, and their aliases: docs/socketlabs-wire-format.md 1.4-1.8) and what the API documents of it.
 *
 * Everything else is derived from this list: the normalizer's output (event-normalizer.ts), the entity's columns
 * (email-event.entity.ts), the SQL column lists of the ingest INSERT and of the worker's re-normalization
 * (event-columns.ts), and the properties of the API's event (dto/event.dto.ts). A field added here is read, stored
 * and answered everywhere at once; a test (event-fields.spec.ts) checks that each of them knows every field.
 */

/** How the normalizer reads a field (see event-normalizer.ts). */
export type FieldRead =
  /** Text as sent ('' kept); numbers and booleans as text. */
  | 'text'
  /** An int4, from a JSON number or a numeric string. */
  | 'int'
  /** Text, trimmed and lower-cased: messages and suppressions are keyed by it. */
  | 'address'
  /** ISO 8601 or RFC 1123, stored in UTC with microseconds. */
  | 'date'
  /** One of `values`, by its name in any case or its position (SocketLabs sends 0, 1, 2). */
  | 'enum'
  /** Text, read only on a Complaint (From/To of the feedback-loop report); undocumented elsewhere, kept in `extra`. */
  | 'complaint-text'
  /** `Data.Meta` in any of its shapes. */
  | 'meta'
  /** `Data.Tags`: an array of strings, or one string. */
  | 'tags'
  /** The fields that have no column, by their name as sent. */
  | 'extra';

export type PgType = 'text' | 'integer' | 'timestamptz' | 'jsonb' | 'text[]';

export interface EventField<P extends string = string, V = unknown> {
  /** camelCase: the normalizer's output and the API. */
  readonly property: P;
  /** snake_case column of email_events. */
  readonly column: string;
  readonly pg: PgType;
  readonly read: FieldRead;
  /** The names it is sent under, lower-cased, first choice first; none for Data's members and `extra`. */
  readonly names: readonly string[];
  /** For `enum`: the canonical values, in SocketLabs' numbering. */
  readonly values?: readonly string[];
  /** The API's description of it. */
  readonly doc: string;
  readonly example?: unknown;
  /** Phantom: the value's TypeScript type (never set). */
  readonly _value?: V;
}

/** A field whose value is a V; `field<V>()(property, ...)` keeps the property's literal type. */
function field<V>() {
  return <P extends string>(
    property: P,
    column: string,
    pg: PgType,
    read: FieldRead,
    names: readonly string[],
    doc: string,
    more: { values?: readonly string[]; example?: unknown } = {},
  ): EventField<P, V> => ({ property, column, pg, read, names, doc, ...more });
}
const text = <P extends string>(p: P, column: string, names: string[], doc: string, example?: string) =>
  field<string>()(p, column, 'text', 'text', names, doc, { example });
const int = <P extends string>(p: P, column: string, names: string[], doc: string, example?: number) =>
  field<number>()(p, column, 'integer', 'int', names, doc, { example });

/** Every typed field, in the order the normalizer reads them and the API lists them. */
export const EVENT_FIELDS = [
  field<string>()(
    'occurredAt',
    'occurred_at',
    'timestamptz',
    'date',
    ['datetime'],
    "When it happened at SocketLabs (the event's `DateTime`); null when the event had no readable one.",
  ),
  int('serverId', 'server_id', ['serverid'], 'The SocketLabs server (account) id.', 12345),
  int('subaccountId', 'subaccount_id', ['subaccountid'], 'The SocketLabs subaccount id.'),
  int('ipPoolId', 'ip_pool_id', ['ippoolid'], 'The dedicated IP pool that sent it.'),
  field<string>()(
    'address',
    'address',
    'text',
    'address',
    ['address'],
    'Recipient address, trimmed and lower-cased (the raw payload keeps it as sent).',
    {
      example: 'jane@example.com',
    },
  ),
  text('fromAddress', 'from_address', ['fromaddress'], 'The sender address.'),
  text('subject', 'subject', ['subject', 'subjectline'], 'The subject line (Queued).'),
  text('mailingId', 'mailing_id', ['mailingid'], 'The mailing id given at send time.', 'spring-sale'),
  text('messageId', 'message_id', ['messageid'], 'The message id given at send time.', 'order-8812'),
  int('messageSize', 'message_size', ['messagesize'], 'Size of the message in bytes (Queued).'),
  int('deferralCode', 'deferral_code', ['deferralcode'], 'SocketLabs deferral code (Deferred).'),
  text('reason', 'reason', ['reason'], 'Why it was deferred or failed.'),
  text('response', 'response', ['response'], "The receiving server's SMTP response (Delivered)."),
  text('localIp', 'local_ip', ['localip'], 'The sending IP address.'),
  text('remoteMta', 'remote_mta', ['remotemta'], 'The receiving mail server.'),
  text('bounceStatus', 'bounce_status', ['bouncestatus'], 'Enhanced status code of a bounce (Failed).'),
  text('diagnosticCode', 'diagnostic_code', ['diagnosticcode'], 'Diagnostic code of a bounce (Failed).'),
  field<FailureType>()(
    'failureType',
    'failure_type',
    'text',
    'enum',
    ['failuretype'],
    '`Temporary`, `Permanent` or `Suppressed` (Failed).',
    {
      values: FAILURE_TYPES,
    },
  ),
  int('failureCode', 'failure_code', ['failurecode'], 'SocketLabs failure code, e.g. 2001 (bad address).'),
  field<TrackingType>()(
    'trackingType',
    'tracking_type',
    'text',
    'enum',
    ['trackingtype'],
    '`Click`, `Open` or `Unsubscribe` (Tracking).',
    {
      values: TRACKING_TYPES,
    },
  ),
  text('userAgent', 'user_agent', ['useragent', 'user-agent'], 'The user agent of an open, click or complaint.'),
  text('clientIp', 'client_ip', ['clientip'], 'The address of the client that opened or clicked.'),
  text('url', 'url', ['url'], 'The link clicked (Tracking, Click).'),
  text('tag', 'tag', ['tag'], 'The tag of the link clicked.'),
  text('fblType', 'fbl_type', ['fbltype'], 'Feedback-loop report type (Complaint).'),
  field<string>()(
    'fblFrom',
    'fbl_from',
    'text',
    'complaint-text',
    ['from'],
    "The feedback-loop report's sender (Complaint `From`).",
  ),
  field<string>()(
    'fblTo',
    'fbl_to',
    'text',
    'complaint-text',
    ['to'],
    "The feedback-loop report's receiver (Complaint `To`).",
  ),
  int('length', 'length', ['length'], 'Length of the feedback-loop report (Complaint).'),
  field<MetaEntry[]>()(
    'meta',
    'meta',
    'jsonb',
    'meta',
    [],
    '`Data.Meta` as key/value pairs, whatever shape SocketLabs sent it in.',
  ),
  field<string[]>()('tags', 'tags', 'text[]', 'tags', [], '`Data.Tags`.'),
  field<Record<string, unknown>>()(
    'extra',
    'extra',
    'jsonb',
    'extra',
    [],
    'Fields SocketLabs sent that have no column here (or whose value could not be read), by their name as sent.',
  ),
] as const;

export type EventFieldDef = (typeof EVENT_FIELDS)[number];
export type EventFieldName = EventFieldDef['property'];

/** The typed fields' values (null: absent or unreadable). `occurredAt` is ISO 8601 text here; the entity holds a Date. */
export type EventFieldValues = {
  [F in EventFieldDef as F['property']]: (F extends EventField<string, infer V> ? V : never) | null;
};

/** The fields stored as they are read (all but `occurredAt`, the partition key, which the entity declares itself). */
export const STORED_FIELDS = EVENT_FIELDS.filter((f) => f.property !== 'occurredAt');
export type StoredFieldValues = Omit<EventFieldValues, 'occurredAt'>;
