import { MigrationInterface, QueryRunner } from 'typeorm';

/** StopInvocation with InstanceId.N on a timed invocation: the instances it must no longer fire on. */
export class AddStoppedInstanceIds1795840000000 implements MigrationInterface {
  name = 'AddStoppedInstanceIds1795840000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "invocations" ADD "stopped_instance_ids" character varying(64) array NOT NULL DEFAULT '{}'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "invocations" DROP COLUMN "stopped_instance_ids"`);
  }
}
