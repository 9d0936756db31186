import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddFireCount1795824731250 implements MigrationInterface {
  name = 'AddFireCount1795824731250';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "invocations" ADD "fire_count" integer NOT NULL DEFAULT '0'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "invocations" DROP COLUMN "fire_count"`);
  }
}
