import { MigrationInterface, QueryRunner } from 'typeorm';

export class FailedEventsIndex1796425200000 implements MigrationInterface {
  name = 'FailedEventsIndex1796425200000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "email_events_failed_idx" ON "email_events" ("id") WHERE state = 'failed'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."email_events_failed_idx"`);
  }
}
