import { MigrationInterface, QueryRunner } from 'typeorm';

export class Initial1795442493460 implements MigrationInterface {
  name = 'Initial1795442493460';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "api_keys" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" text NOT NULL, "prefix" text NOT NULL, "key_hash" text NOT NULL, "scopes" text array NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_used_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_5c8a79801b44bd27b79228e1dad" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "api_keys_key_hash_key" ON "api_keys" ("key_hash") `);
    await queryRunner.query(
      `CREATE TABLE "audit_log" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "api_key_id" uuid, "api_key_name" text, "action" text NOT NULL, "method" text NOT NULL, "path" text NOT NULL, "target" text, "status" integer NOT NULL, "outcome" text NOT NULL, "request_id" text, "details" jsonb, "error" text, CONSTRAINT "PK_07fefa57f7f5ab8fc3f52b3ed0b" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "audit_log_at_idx" ON "audit_log" ("at") `);
    await queryRunner.query(
      `CREATE TABLE "email_events" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "endpoint_id" uuid, "received_at" TIMESTAMP WITH TIME ZONE NOT NULL, "dedupe_key" text NOT NULL, "format" text NOT NULL, "raw" text NOT NULL, "type" text, "state" text NOT NULL DEFAULT 'pending', "attempts" integer NOT NULL DEFAULT '0', "last_error" text, "processed_at" TIMESTAMP WITH TIME ZONE, "known_type" boolean, "occurred_at" TIMESTAMP WITH TIME ZONE, "server_id" integer, "subaccount_id" integer, "ip_pool_id" integer, "address" text, "from_address" text, "subject" text, "mailing_id" text, "message_id" text, "message_size" integer, "deferral_code" integer, "reason" text, "response" text, "local_ip" text, "remote_mta" text, "bounce_status" text, "diagnostic_code" text, "failure_type" text, "failure_code" integer, "tracking_type" text, "user_agent" text, "client_ip" text, "url" text, "tag" text, "fbl_type" text, "fbl_from" text, "fbl_to" text, "length" integer, "meta" jsonb, "tags" text array, "extra" jsonb, CONSTRAINT "PK_2ab38c98c3ca9385eff428134c2" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "email_events_dedupe_key_key" ON "email_events" ("dedupe_key") `);
    await queryRunner.query(`CREATE INDEX "email_events_mailing_id_idx" ON "email_events" ("mailing_id") `);
    await queryRunner.query(`CREATE INDEX "email_events_address_idx" ON "email_events" ("address") `);
    await queryRunner.query(`CREATE INDEX "email_events_occurred_at_idx" ON "email_events" ("occurred_at") `);
    await queryRunner.query(`CREATE INDEX "email_events_message_idx" ON "email_events" ("message_id", "address") `);
    await queryRunner.query(`CREATE INDEX "email_events_pending_idx" ON "email_events" ("id") WHERE state = 'pending'`);
    await queryRunner.query(
      `CREATE TABLE "messages" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "message_id" text NOT NULL, "address" text NOT NULL, "mailing_id" text, "server_id" integer, "subaccount_id" integer, "status" text NOT NULL, "status_at" TIMESTAMP WITH TIME ZONE, "failure_type" text, "failure_code" integer, "failure_reason" text, "queued_at" TIMESTAMP WITH TIME ZONE, "delivered_at" TIMESTAMP WITH TIME ZONE, "failed_at" TIMESTAMP WITH TIME ZONE, "complained_at" TIMESTAMP WITH TIME ZONE, "first_opened_at" TIMESTAMP WITH TIME ZONE, "first_clicked_at" TIMESTAMP WITH TIME ZONE, "unsubscribed_at" TIMESTAMP WITH TIME ZONE, "open_count" integer NOT NULL DEFAULT '0', "click_count" integer NOT NULL DEFAULT '0', "event_count" integer NOT NULL DEFAULT '0', "first_event_at" TIMESTAMP WITH TIME ZONE, "last_event_at" TIMESTAMP WITH TIME ZONE, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_18325f38ae6de43878487eff986" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "messages_last_event_at_idx" ON "messages" ("last_event_at") `);
    await queryRunner.query(`CREATE INDEX "messages_mailing_id_idx" ON "messages" ("mailing_id") `);
    await queryRunner.query(`CREATE INDEX "messages_address_idx" ON "messages" ("address") `);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "messages_message_id_address_key" ON "messages" ("message_id", "address") `,
    );
    await queryRunner.query(
      `CREATE TABLE "suppressions" ("address" text NOT NULL, "reason" text NOT NULL, "event_id" bigint NOT NULL, "occurred_at" TIMESTAMP WITH TIME ZONE, "message_id" text, "failure_code" integer, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_1c21d25c6f5df6c64078c697874" PRIMARY KEY ("address"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "webhook_endpoints" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" text NOT NULL, "secrets" jsonb NOT NULL, "validation_key" text, "expected_server_id" integer, "expected_subaccount_id" integer, "enabled" boolean NOT NULL DEFAULT true, "validated_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_054c4cfb95223732f5939d2d546" PRIMARY KEY ("id"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "webhook_endpoints"`);
    await queryRunner.query(`DROP TABLE "suppressions"`);
    await queryRunner.query(`DROP INDEX "public"."messages_message_id_address_key"`);
    await queryRunner.query(`DROP INDEX "public"."messages_address_idx"`);
    await queryRunner.query(`DROP INDEX "public"."messages_mailing_id_idx"`);
    await queryRunner.query(`DROP INDEX "public"."messages_last_event_at_idx"`);
    await queryRunner.query(`DROP TABLE "messages"`);
    await queryRunner.query(`DROP INDEX "public"."email_events_pending_idx"`);
    await queryRunner.query(`DROP INDEX "public"."email_events_message_idx"`);
    await queryRunner.query(`DROP INDEX "public"."email_events_occurred_at_idx"`);
    await queryRunner.query(`DROP INDEX "public"."email_events_address_idx"`);
    await queryRunner.query(`DROP INDEX "public"."email_events_mailing_id_idx"`);
    await queryRunner.query(`DROP INDEX "public"."email_events_dedupe_key_key"`);
    await queryRunner.query(`DROP TABLE "email_events"`);
    await queryRunner.query(`DROP INDEX "public"."audit_log_at_idx"`);
    await queryRunner.query(`DROP TABLE "audit_log"`);
    await queryRunner.query(`DROP INDEX "public"."api_keys_key_hash_key"`);
    await queryRunner.query(`DROP TABLE "api_keys"`);
  }
}
