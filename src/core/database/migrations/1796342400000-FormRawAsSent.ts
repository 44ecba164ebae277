import { MigrationInterface, QueryRunner } from 'typeorm';

const BATCH = 1000;

/**
 * Form-encoded events were stored as the JSON of their parsed fields; the receiver now stores the body's own
 * `name=value` text (without the SecretKey pair), and the worker and the API parse `raw` by its format. This writes
 * the older rows in the new form: the same fields, in the same order, a repeated field as repeated pairs.
 */
export class FormRawAsSent1796342400000 implements MigrationInterface {
  name = 'FormRawAsSent1796342400000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await rewriteFormRows(queryRunner, formText);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await rewriteFormRows(queryRunner, jsonText);
  }
}

/** Every form row's raw, in batches by id, through `convert` (null: left as it is). */
async function rewriteFormRows(queryRunner: QueryRunner, convert: (raw: string) => string | null): Promise<void> {
  let after = '0';
  for (;;) {
    const rows: { id: string; raw: string }[] = await queryRunner.query(
      `SELECT id::text AS id, raw FROM email_events WHERE format = 'form' AND id > $1 ORDER BY id LIMIT ${BATCH}`,
      [after],
    );
    if (rows.length === 0) return;
    const converted = rows
      .map((r) => ({ id: r.id, raw: convert(r.raw) }))
      .filter((r): r is { id: string; raw: string } => r.raw !== null);
    if (converted.length > 0) {
      await queryRunner.query(
        `UPDATE email_events e SET raw = c.raw FROM unnest($1::bigint[], $2::text[]) AS c(id, raw) WHERE e.id = c.id`,
        [converted.map((c) => c.id), converted.map((c) => c.raw)],
      );
    }
    after = rows[rows.length - 1].id;
  }
}

/** The urlencoded text of a row stored as the JSON of its fields; null when it is not such JSON (left alone). */
function formText(raw: string): string | null {
  let fields: unknown;
  try {
    fields = JSON.parse(raw);
  } catch {
    return null;
  }
  if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) return null;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields as Record<string, unknown>)) {
    for (const v of Array.isArray(value) ? value : [value])
      params.append(key, typeof v === 'string' ? v : JSON.stringify(v));
  }
  return params.toString();
}

function jsonText(raw: string): string {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    const prev = out[key];
    if (prev === undefined)
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    else out[key] = Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return JSON.stringify(out);
}
