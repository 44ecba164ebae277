import { NO_DATE } from '../../events/entities/email-event.entity';
import { EVENT_FIELDS, PgType } from '../../events/event-fields';
import type { NormalizedEvent } from './event-normalizer';

/**
 * The columns of email_events a normalized event fills, from the field catalogue: `type`, `known_type` and every
 * field's column, with the types json_to_recordset reads them as. jsonb columns travel as `json` and are cast on
 * the way in: json_to_recordset filling a jsonb column directly costs about twice as much (18 -> 11.5 us a row,
 * measured, most of it Data.Meta).
 */
export const NORMALIZED_COLUMNS: readonly { column: string; pg: PgType | 'boolean' }[] = [
  { column: 'type', pg: 'text' },
  { column: 'known_type', pg: 'boolean' },
  ...EVENT_FIELDS.map((f) => ({ column: f.column, pg: f.pg })),
];

/** `column type` pairs for json_to_recordset's column definition list. */
export function recordsetDefinition(columns: readonly { column: string; pg: string }[]): string {
  return columns.map((c) => `${c.column} ${c.pg === 'jsonb' ? 'json' : c.pg}`).join(', ');
}

/** The value expression of a column read from json_to_recordset's alias `r`. */
export function recordsetValue(c: { column: string; pg: string }, alias = 'r'): string {
  return c.pg === 'jsonb' ? `${alias}.${c.column}::jsonb` : `${alias}.${c.column}`;
}

/**
 * One event's typed columns as a JSON row for json_to_recordset: null values left out (it reads them as NULL),
 * which halves the text. occurred_at is the partition key and never NULL: NO_DATE stands for no readable date.
 */
export function normalizedRow(event: NormalizedEvent): Record<string, unknown> {
  const row: Record<string, unknown> = { type: event.type, known_type: event.knownType };
  for (const f of EVENT_FIELDS) {
    const value = event[f.property];
    if (value !== null && value !== undefined) row[f.column] = value;
  }
  row.occurred_at ??= NO_DATE;
  return row;
}
