import { MigrationInterface, QueryRunner } from 'typeorm';

export class ChangeFeed1795447370766 implements MigrationInterface {
  name = 'ChangeFeed1795447370766';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "email_events" ADD "processed_txid" bigint`);
    // Events processed before the feed existed come first in it, in id order (0 is below every transaction id).
    await queryRunner.query(`UPDATE "email_events" SET "processed_txid" = 0 WHERE "state" = 'processed'`);
    await queryRunner.query(
      `CREATE INDEX "email_events_feed_idx" ON "email_events" ("processed_txid", "id") WHERE processed_txid IS NOT NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."email_events_feed_idx"`);
    await queryRunner.query(`ALTER TABLE "email_events" DROP COLUMN "processed_txid"`);
  }
}
