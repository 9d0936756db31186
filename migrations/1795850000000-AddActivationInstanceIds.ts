import { MigrationInterface, QueryRunner } from 'typeorm';

/** CreateActivation with InstanceId.N: an activation that may bind only the listed instances. */
export class AddActivationInstanceIds1795850000000 implements MigrationInterface {
  name = 'AddActivationInstanceIds1795850000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "activations" ADD "instance_ids" character varying(64) array`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "activations" DROP COLUMN "instance_ids"`);
  }
}
