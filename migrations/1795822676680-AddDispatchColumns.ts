import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddDispatchColumns1795822676680 implements MigrationInterface {
  name = 'AddDispatchColumns1795822676680';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "commands" ADD "kept" boolean NOT NULL DEFAULT true`);
    await queryRunner.query(`ALTER TABLE "invocation_records" ADD "delivered_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "invocation_records" ADD "stop_requested_at" TIMESTAMP WITH TIME ZONE`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "invocation_records" DROP COLUMN "stop_requested_at"`);
    await queryRunner.query(`ALTER TABLE "invocation_records" DROP COLUMN "delivered_at"`);
    await queryRunner.query(`ALTER TABLE "commands" DROP COLUMN "kept"`);
  }
}
