import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each event written once (docs/storage.md):
 * - email_events becomes a table partitioned by month of occurred_at (the event's own DateTime, '-infinity' when it
 *   had none), with a default partition for the months that have none; the dedupe key, now the raw SHA-256 bytes,
 *   is unique with occurred_at; `type` is canonical (an unknown type lower-cased); the processing columns (state,
 *   attempts, last_error, processed_at) leave it, and processed_txid becomes txid, the change feed's position.
 * - event_backlog holds what processing has not finished: the events pending and the dead ones.
 * - event_counts and event_count_deltas hold the statistics.
 * - the filters' indexes end with the default order and id, (filter, occurred_at, id) for events, (filter,
 *   last_event_at, id) for messages: a filtered page, and its OFFSET, is read from the index alone. Messages get
 *   the indexes of their filters and sorts, suppressions those of their orders.
 *
 * The rows are copied: on a large table this takes a while (and twice its disk) and is done once. The feed keeps
 * its positions, so a consumer's cursor stays valid.
 */
export class EventsWrittenOnce1796601600000 implements MigrationInterface {
  name = 'EventsWrittenOnce1796601600000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "email_events" RENAME TO "email_events_unpartitioned"`);
    await q.query(
      `ALTER TABLE "email_events_unpartitioned" RENAME CONSTRAINT "PK_2ab38c98c3ca9385eff428134c2" TO "email_events_unpartitioned_pkey"`,
    );
    for (const index of [
      'email_events_dedupe_key_key',
      'email_events_mailing_id_idx',
      'email_events_address_idx',
      'email_events_occurred_at_idx',
      'email_events_message_idx',
      'email_events_pending_idx',
      'email_events_failed_idx',
      'email_events_feed_idx',
    ]) {
      await q.query(`ALTER INDEX "${index}" RENAME TO "${index}_unpartitioned"`);
    }

    await q.query(`CREATE TABLE "email_events" (
      "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
      "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "endpoint_id" uuid,
      "received_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "dedupe_key" bytea NOT NULL,
      "format" text NOT NULL,
      "raw" text NOT NULL,
      "type" text,
      "known_type" boolean,
      "txid" bigint,
      "server_id" integer, "subaccount_id" integer, "ip_pool_id" integer, "address" text, "from_address" text,
      "subject" text, "mailing_id" text, "message_id" text, "message_size" integer, "deferral_code" integer,
      "reason" text, "response" text, "local_ip" text, "remote_mta" text, "bounce_status" text,
      "diagnostic_code" text, "failure_type" text, "failure_code" integer, "tracking_type" text, "user_agent" text,
      "client_ip" text, "url" text, "tag" text, "fbl_type" text, "fbl_from" text, "fbl_to" text, "length" integer,
      "meta" jsonb, "tags" text array, "extra" jsonb,
      CONSTRAINT "PK_15b779392b5ec84dfadff20d85b" PRIMARY KEY ("id", "occurred_at")
    ) PARTITION BY RANGE ("occurred_at")`);
    await q.query(`CREATE TABLE "email_events_default" PARTITION OF "email_events" DEFAULT`);
    await q.query(`CREATE UNIQUE INDEX "email_events_dedupe_key_key" ON "email_events" ("dedupe_key", "occurred_at") `);
    await q.query(`CREATE INDEX "email_events_occurred_at_idx" ON "email_events" ("occurred_at", "id") `);
    await q.query(`CREATE INDEX "email_events_message_idx" ON "email_events" ("message_id", "address") `);
    await q.query(`CREATE INDEX "email_events_address_idx" ON "email_events" ("address") `);
    await q.query(`CREATE INDEX "email_events_mailing_id_idx" ON "email_events" ("mailing_id", "occurred_at", "id") `);
    await q.query(`CREATE INDEX "email_events_type_idx" ON "email_events" ("type", "occurred_at", "id") `);
    await q.query(
      `CREATE INDEX "email_events_subaccount_id_idx" ON "email_events" ("subaccount_id", "occurred_at", "id") `,
    );
    await q.query(`CREATE INDEX "email_events_server_id_idx" ON "email_events" ("server_id", "occurred_at", "id") `);
    await q.query(
      `CREATE INDEX "email_events_tracking_type_idx" ON "email_events" ("tracking_type", "occurred_at", "id") WHERE tracking_type IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX "email_events_failure_type_idx" ON "email_events" ("failure_type", "occurred_at", "id") WHERE failure_type IS NOT NULL`,
    );
    await q.query(`CREATE INDEX "email_events_feed_idx" ON "email_events" ("txid", "id") WHERE txid IS NOT NULL`);

    // A partition for every month the existing events occurred in and the months around now, as
    // src/events/storage/event-partitions.ts names them (written out here: a migration never changes).
    const [range] = await q.query(
      `SELECT min(occurred_at) AS lo, max(occurred_at) AS hi FROM "email_events_unpartitioned" WHERE occurred_at > '-infinity' AND occurred_at < 'infinity'`,
    );
    const month = (d: Date, add = 0) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + add, 1));
    const now = new Date();
    // At most three years back and the two months ahead: rows dated outside go to the default partition.
    const clamp = (d: Date, lo: Date, hi: Date) => (d < lo ? lo : d > hi ? hi : d);
    const first = range.lo ? clamp(month(new Date(range.lo)), month(now, -36), month(now, -1)) : month(now, -1);
    const last = month(now, 2);
    for (let m = first; m <= last; m = month(m, 1)) {
      const name = `email_events_p${m.getUTCFullYear()}_${String(m.getUTCMonth() + 1).padStart(2, '0')}`;
      await q.query(
        `CREATE TABLE "${name}" PARTITION OF "email_events" FOR VALUES FROM ('${m.toISOString()}') TO ('${month(m, 1).toISOString()}')`,
      );
    }

    await q.query(
      `CREATE TABLE "event_backlog" ("event_id" bigint NOT NULL, "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL, "received_at" TIMESTAMP WITH TIME ZONE NOT NULL, "state" text NOT NULL DEFAULT 'pending', "attempts" integer NOT NULL DEFAULT '0', "last_error" text, "normalize" boolean NOT NULL DEFAULT false, CONSTRAINT "PK_72521858de54dd9ccabf0af5c39" PRIMARY KEY ("event_id"))`,
    );
    await q.query(`CREATE INDEX "event_backlog_failed_idx" ON "event_backlog" ("event_id") WHERE state = 'failed'`);
    await q.query(
      `CREATE TABLE "event_counts" ("hour" TIMESTAMP WITH TIME ZONE NOT NULL, "type" text NOT NULL, "tracking_type" text NOT NULL, "state" text NOT NULL, "n" bigint NOT NULL, CONSTRAINT "PK_c7ddec88da934789c627eab6ff3" PRIMARY KEY ("hour", "type", "tracking_type", "state"))`,
    );
    await q.query(
      `CREATE TABLE "event_count_deltas" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "hour" TIMESTAMP WITH TIME ZONE NOT NULL, "type" text NOT NULL, "tracking_type" text NOT NULL, "state" text NOT NULL, "n" bigint NOT NULL, CONSTRAINT "PK_7750aabb7f39fe02b38f8b6babf" PRIMARY KEY ("id"))`,
    );
    // A row in and out per event: vacuumed after a number of dead rows, not a share of a table that stays small.
    for (const table of ['event_backlog', 'event_count_deltas']) {
      await q.query(
        `ALTER TABLE "${table}" SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 10000, autovacuum_vacuum_cost_delay = 0)`,
      );
    }

    // The rows, as they are: a pending event keeps its (empty) typed columns and is normalized by a worker.
    await q.query(`INSERT INTO "email_events" OVERRIDING SYSTEM VALUE
      SELECT id, coalesce(occurred_at, '-infinity'), endpoint_id, received_at,
        CASE WHEN dedupe_key ~ '^[0-9a-f]{64}$' THEN decode(dedupe_key, 'hex') ELSE sha256(convert_to(dedupe_key, 'UTF8')) END,
        format, raw,
        CASE lower(btrim(type)) WHEN 'queued' THEN 'Queued' WHEN 'deferred' THEN 'Deferred' WHEN 'delivered' THEN 'Delivered'
          WHEN 'failed' THEN 'Failed' WHEN 'tracking' THEN 'Tracking' WHEN 'complaint' THEN 'Complaint' ELSE lower(btrim(type)) END,
        CASE WHEN state = 'processed' THEN known_type END,
        CASE WHEN state = 'processed' THEN processed_txid END,
        server_id, subaccount_id, ip_pool_id, address, from_address, subject, mailing_id, message_id, message_size,
        deferral_code, reason, response, local_ip, remote_mta, bounce_status, diagnostic_code, failure_type, failure_code,
        tracking_type, user_agent, client_ip, url, tag, fbl_type, fbl_from, fbl_to, length, meta, tags, extra
      FROM "email_events_unpartitioned"
      ON CONFLICT DO NOTHING`);
    await q.query(`INSERT INTO "event_backlog" (event_id, occurred_at, received_at, state, attempts, last_error, normalize)
      SELECT id, coalesce(occurred_at, '-infinity'), received_at, state, attempts, last_error, true
      FROM "email_events_unpartitioned" WHERE state <> 'processed'`);
    await q.query(`INSERT INTO "event_counts" (hour, type, tracking_type, state, n)
      SELECT date_trunc('hour', e.occurred_at, 'UTC'),
        CASE WHEN e.type IN ('Queued', 'Deferred', 'Delivered', 'Failed', 'Tracking', 'Complaint') THEN lower(e.type) ELSE 'unknown' END,
        coalesce(lower(e.tracking_type), ''), coalesce(b.state, 'processed'), count(*)
      FROM "email_events" e LEFT JOIN "event_backlog" b ON b.event_id = e.id
      GROUP BY 1, 2, 3, 4`);
    await q.query(
      `SELECT setval(pg_get_serial_sequence('email_events', 'id'), (SELECT coalesce(max(id), 0) + 1 FROM "email_events_unpartitioned"), false)`,
    );
    await q.query(`DROP TABLE "email_events_unpartitioned"`);

    await q.query(`DROP INDEX "public"."messages_last_event_at_idx"`);
    await q.query(`CREATE INDEX "messages_last_event_at_idx" ON "messages" ("last_event_at", "id") `);
    await q.query(`CREATE INDEX "messages_status_idx" ON "messages" ("status", "last_event_at", "id") `);
    await q.query(`CREATE INDEX "messages_status_at_idx" ON "messages" ("status_at", "id") `);
    await q.query(`CREATE INDEX "messages_first_event_at_idx" ON "messages" ("first_event_at", "id") `);
    await q.query(`DROP INDEX "public"."messages_mailing_id_idx"`);
    await q.query(`CREATE INDEX "messages_mailing_id_idx" ON "messages" ("mailing_id", "last_event_at", "id") `);
    await q.query(`CREATE INDEX "messages_server_id_idx" ON "messages" ("server_id", "last_event_at", "id") `);
    await q.query(`CREATE INDEX "messages_subaccount_id_idx" ON "messages" ("subaccount_id", "last_event_at", "id") `);
    await q.query(`CREATE INDEX "suppressions_created_at_idx" ON "suppressions" ("created_at", "address") `);
    await q.query(`CREATE INDEX "suppressions_updated_at_idx" ON "suppressions" ("updated_at", "address") `);
    await q.query(`CREATE INDEX "suppressions_occurred_at_idx" ON "suppressions" ("occurred_at", "address") `);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "public"."suppressions_occurred_at_idx"`);
    await q.query(`DROP INDEX "public"."suppressions_updated_at_idx"`);
    await q.query(`DROP INDEX "public"."suppressions_created_at_idx"`);
    await q.query(`DROP INDEX "public"."messages_subaccount_id_idx"`);
    await q.query(`DROP INDEX "public"."messages_server_id_idx"`);
    await q.query(`DROP INDEX "public"."messages_mailing_id_idx"`);
    await q.query(`CREATE INDEX "messages_mailing_id_idx" ON "messages" ("mailing_id") `);
    await q.query(`DROP INDEX "public"."messages_first_event_at_idx"`);
    await q.query(`DROP INDEX "public"."messages_status_at_idx"`);
    await q.query(`DROP INDEX "public"."messages_status_idx"`);
    await q.query(`DROP INDEX "public"."messages_last_event_at_idx"`);
    await q.query(`CREATE INDEX "messages_last_event_at_idx" ON "messages" ("last_event_at") `);

    await q.query(`ALTER TABLE "email_events" RENAME TO "email_events_partitioned"`);
    await q.query(
      `CREATE TABLE "email_events" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "endpoint_id" uuid, "received_at" TIMESTAMP WITH TIME ZONE NOT NULL, "dedupe_key" text NOT NULL, "format" text NOT NULL, "raw" text NOT NULL, "type" text, "state" text NOT NULL DEFAULT 'pending', "attempts" integer NOT NULL DEFAULT '0', "last_error" text, "processed_at" TIMESTAMP WITH TIME ZONE, "known_type" boolean, "occurred_at" TIMESTAMP WITH TIME ZONE, "server_id" integer, "subaccount_id" integer, "ip_pool_id" integer, "address" text, "from_address" text, "subject" text, "mailing_id" text, "message_id" text, "message_size" integer, "deferral_code" integer, "reason" text, "response" text, "local_ip" text, "remote_mta" text, "bounce_status" text, "diagnostic_code" text, "failure_type" text, "failure_code" integer, "tracking_type" text, "user_agent" text, "client_ip" text, "url" text, "tag" text, "fbl_type" text, "fbl_from" text, "fbl_to" text, "length" integer, "meta" jsonb, "tags" text array, "extra" jsonb, "processed_txid" bigint, CONSTRAINT "PK_2ab38c98c3ca9385eff428134c2" PRIMARY KEY ("id"))`,
    );
    await q.query(`INSERT INTO "email_events" OVERRIDING SYSTEM VALUE
      SELECT e.id, e.endpoint_id, e.received_at, encode(e.dedupe_key, 'hex'), e.format, e.raw, e.type,
        coalesce(b.state, 'processed'), coalesce(b.attempts, 0), b.last_error, CASE WHEN b.state IS NULL THEN e.received_at END,
        e.known_type, NULLIF(e.occurred_at, '-infinity'), e.server_id, e.subaccount_id, e.ip_pool_id, e.address, e.from_address, e.subject,
        e.mailing_id, e.message_id, e.message_size, e.deferral_code, e.reason, e.response, e.local_ip, e.remote_mta,
        e.bounce_status, e.diagnostic_code, e.failure_type, e.failure_code, e.tracking_type, e.user_agent, e.client_ip,
        e.url, e.tag, e.fbl_type, e.fbl_from, e.fbl_to, e.length, e.meta, e.tags, e.extra,
        CASE WHEN b.state IS NULL THEN e.txid END
      FROM "email_events_partitioned" e LEFT JOIN "event_backlog" b ON b.event_id = e.id
      ON CONFLICT DO NOTHING`);
    await q.query(
      `SELECT setval(pg_get_serial_sequence('email_events', 'id'), (SELECT coalesce(max(id), 0) + 1 FROM "email_events_partitioned"), false)`,
    );
    await q.query(`DROP TABLE "email_events_partitioned"`);
    await q.query(`DROP TABLE "event_count_deltas"`);
    await q.query(`DROP TABLE "event_counts"`);
    await q.query(`DROP TABLE "event_backlog"`);
    await q.query(`CREATE UNIQUE INDEX "email_events_dedupe_key_key" ON "email_events" ("dedupe_key") `);
    await q.query(`CREATE INDEX "email_events_mailing_id_idx" ON "email_events" ("mailing_id") `);
    await q.query(`CREATE INDEX "email_events_address_idx" ON "email_events" ("address") `);
    await q.query(`CREATE INDEX "email_events_occurred_at_idx" ON "email_events" ("occurred_at") `);
    await q.query(`CREATE INDEX "email_events_message_idx" ON "email_events" ("message_id", "address") `);
    await q.query(`CREATE INDEX "email_events_pending_idx" ON "email_events" ("id") WHERE state = 'pending'`);
    await q.query(`CREATE INDEX "email_events_failed_idx" ON "email_events" ("id") WHERE state = 'failed'`);
    await q.query(
      `CREATE INDEX "email_events_feed_idx" ON "email_events" ("processed_txid", "id") WHERE processed_txid IS NOT NULL`,
    );
  }
}
