import { MigrationInterface, QueryRunner } from 'typeorm';

export class ReadSideIndexes1795834095626 implements MigrationInterface {
  name = 'ReadSideIndexes1795834095626';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."invocations_command_created_idx"`);
    await queryRunner.query(`DROP INDEX "public"."invocations_status_created_idx"`);
    await queryRunner.query(`CREATE INDEX "invocations_command_region_created_idx" ON "invocations"  ("command_id", "region_id", "created_at") `);
    await queryRunner.query(`CREATE INDEX "invocations_region_status_created_idx" ON "invocations"  ("region_id", "status", "created_at") `);
    await queryRunner.query(`CREATE INDEX "invocation_records_invoke_created_idx" ON "invocation_records"  ("invoke_id", "created_at") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."invocation_records_invoke_created_idx"`);
    await queryRunner.query(`DROP INDEX "public"."invocations_region_status_created_idx"`);
    await queryRunner.query(`DROP INDEX "public"."invocations_command_region_created_idx"`);
    await queryRunner.query(`CREATE INDEX "invocations_status_created_idx" ON "invocations" USING btree ("status", "created_at") `);
    await queryRunner.query(`CREATE INDEX "invocations_command_created_idx" ON "invocations" USING btree ("command_id", "created_at") `);
  }
}
