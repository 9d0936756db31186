import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The retention purge's scan: finished records by creation time. IF NOT EXISTS so that an
 * operator with a very large table can build it beforehand with CREATE INDEX CONCURRENTLY under
 * the same name, instead of blocking writes while this migration builds it.
 */
export class AddRetentionIndex1795833528354 implements MigrationInterface {
  name = 'AddRetentionIndex1795833528354';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS "invocation_records_retention_idx" ON "invocation_records"  ("created_at") WHERE status NOT IN ('Pending', 'Running')`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."invocation_records_retention_idx"`);
  }
}
