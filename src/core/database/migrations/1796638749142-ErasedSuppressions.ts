import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Suppressions of erased addresses, kept under the address' fingerprint instead of the address (docs/privacy.md).
 */
export class ErasedSuppressions1796638749142 implements MigrationInterface {
  name = 'ErasedSuppressions1796638749142';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "erased_suppressions" ("fingerprint" bytea NOT NULL, "reason" text NOT NULL, "suppressed_at" TIMESTAMP WITH TIME ZONE NOT NULL, "erased_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_2491054a933e790438e933d3609" PRIMARY KEY ("fingerprint"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "erased_suppressions"`);
  }
}
