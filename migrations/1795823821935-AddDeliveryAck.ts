import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddDeliveryAck1795823821935 implements MigrationInterface {
  name = 'AddDeliveryAck1795823821935';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "invocation_records" ADD "acked_at" TIMESTAMP WITH TIME ZONE`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "invocation_records" DROP COLUMN "acked_at"`);
  }
}
