import { MigrationInterface, QueryRunner } from 'typeorm';

/** What an agent reports of its machine when it starts (AgentStart), and the boot it runs in. */
export class AddMachineFacts1795860000000 implements MigrationInterface {
  name = 'AddMachineFacts1795860000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "instances" ADD "agent_started_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "instances" ADD "os_name" character varying(128)`);
    await queryRunner.query(`ALTER TABLE "instances" ADD "os_version" character varying(128)`);
    await queryRunner.query(`ALTER TABLE "instances" ADD "kernel_version" character varying(128)`);
    await queryRunner.query(`ALTER TABLE "instances" ADD "intranet_ips" character varying(45) array`);
    await queryRunner.query(`ALTER TABLE "instances" ADD "machine_id" character varying(64)`);
    await queryRunner.query(`ALTER TABLE "instances" ADD "boot_id" character varying(64)`);
    await queryRunner.query(`CREATE INDEX "instances_machine_id_idx" ON "instances" ("machine_id") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."instances_machine_id_idx"`);
    for (const column of ['boot_id', 'machine_id', 'intranet_ips', 'kernel_version', 'os_version', 'os_name', 'agent_started_at']) {
      await queryRunner.query(`ALTER TABLE "instances" DROP COLUMN "${column}"`);
    }
  }
}
