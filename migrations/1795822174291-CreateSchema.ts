import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateSchema1795822174291 implements MigrationInterface {
  name = 'CreateSchema1795822174291';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "regions" ("region_id" character varying(32) NOT NULL, "local_name" character varying(64) NOT NULL, "local_name_en" character varying(64) NOT NULL, "region_endpoint" character varying(128) NOT NULL, CONSTRAINT "PK_6bcc40ba0ad8969f8916db1c32e" PRIMARY KEY ("region_id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "activations" ("activation_id" character varying(64) NOT NULL, "code_hash" character varying(64) NOT NULL, "region_id" character varying(32) NOT NULL, "instance_name" character varying(128) NOT NULL DEFAULT '', "instance_count" integer NOT NULL DEFAULT '10', "registered_count" integer NOT NULL DEFAULT '0', "deregistered_count" integer NOT NULL DEFAULT '0', "time_to_live_hours" integer NOT NULL DEFAULT '4', "ip_address_range" character varying(64) NOT NULL DEFAULT '0.0.0.0/0', "description" character varying(256) NOT NULL DEFAULT '', "disabled" boolean NOT NULL DEFAULT false, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "activations_instance_count_check" CHECK (instance_count BETWEEN 1 AND 1000), CONSTRAINT "activations_count_check" CHECK (registered_count >= 0 AND registered_count <= instance_count), CONSTRAINT "PK_242a17804f12034ceca3fb5c92d" PRIMARY KEY ("activation_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "activations_region_created_idx" ON "activations"  ("region_id", "created_at") `);
    await queryRunner.query(
      `CREATE TABLE "instances" ("instance_id" character varying(64) NOT NULL, "region_id" character varying(32) NOT NULL, "instance_name" character varying(128) NOT NULL DEFAULT '', "network_type" character varying(16) NOT NULL DEFAULT 'vpc', "status" character varying(16) NOT NULL DEFAULT 'Running', "os_type" character varying(16) NOT NULL DEFAULT 'linux', "agent_registered_at" TIMESTAMP WITH TIME ZONE, "agent_version" character varying(64), "agent_hostname" character varying(255), "last_heartbeat_at" TIMESTAMP WITH TIME ZONE, "activation_id" character varying(64), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "instances_os_type_check" CHECK (os_type IN ('linux', 'windows')), CONSTRAINT "instances_network_type_check" CHECK (network_type IN ('vpc', 'classic')), CONSTRAINT "instances_status_check" CHECK (status IN ('Pending', 'Starting', 'Running', 'Stopping', 'Stopped')), CONSTRAINT "PK_9d629d6a80a3a8af4f8d4693a76" PRIMARY KEY ("instance_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "instances_region_created_idx" ON "instances"  ("region_id", "created_at") `);
    await queryRunner.query(
      `CREATE TABLE "access_keys" ("access_key_id" character varying(64) NOT NULL, "secret_ciphertext" bytea NOT NULL, "role" character varying(16) NOT NULL, "instance_id" character varying(64), "description" character varying(256) NOT NULL DEFAULT '', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "access_keys_agent_has_instance" CHECK ((role = 'agent') = (instance_id IS NOT NULL)), CONSTRAINT "access_keys_role_check" CHECK (role IN ('admin', 'readonly', 'agent')), CONSTRAINT "PK_57a4a47601b529976df9b33ad22" PRIMARY KEY ("access_key_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "access_keys_instance_id_idx" ON "access_keys"  ("instance_id") `);
    await queryRunner.query(
      `CREATE TABLE "service_settings" ("name" character varying(64) NOT NULL, "value" bytea NOT NULL, CONSTRAINT "PK_fd80a5ad755cca0acbd880cf80b" PRIMARY KEY ("name"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "signature_nonces" ("access_key_id" character varying(64) NOT NULL, "nonce" character varying(128) NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_bc66dd28421fbe33283f5e23a82" PRIMARY KEY ("access_key_id", "nonce"))`,
    );
    await queryRunner.query(`CREATE INDEX "signature_nonces_expires_at_idx" ON "signature_nonces"  ("expires_at") `);
    await queryRunner.query(
      `CREATE TABLE "commands" ("command_id" character varying(34) NOT NULL, "region_id" character varying(32) NOT NULL, "name" character varying(128) NOT NULL, "description" character varying(512) NOT NULL DEFAULT '', "type" character varying(32) NOT NULL, "content" bytea NOT NULL, "working_dir" character varying(200) NOT NULL DEFAULT '', "timeout" integer NOT NULL DEFAULT '60', "enable_parameter" boolean NOT NULL DEFAULT false, "parameter_names" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "commands_timeout_check" CHECK (timeout BETWEEN 10 AND 86400), CONSTRAINT "commands_type_check" CHECK (type IN ('RunShellScript', 'RunBatScript', 'RunPowerShellScript')), CONSTRAINT "PK_9c6d54082fe76647ce1dca37067" PRIMARY KEY ("command_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "commands_region_created_idx" ON "commands"  ("region_id", "created_at") `);
    await queryRunner.query(
      `CREATE TABLE "invocations" ("invoke_id" character varying(34) NOT NULL, "region_id" character varying(32) NOT NULL, "command_id" character varying(34) NOT NULL, "command_name" character varying(128) NOT NULL, "command_type" character varying(32) NOT NULL, "command_content" bytea NOT NULL, "parameters" jsonb NOT NULL, "working_dir" character varying(200) NOT NULL DEFAULT '', "username" character varying(255) NOT NULL DEFAULT '', "timeout" integer NOT NULL, "repeat_mode" character varying(16) NOT NULL DEFAULT 'Once', "frequency" character varying(256), "time_zone" character varying(64), "misfire_policy" character varying(16), "next_fire_at" TIMESTAMP WITH TIME ZONE, "status" character varying(16) NOT NULL, "client_token" character varying(64), "request_fingerprint" character varying(64), "instance_ids" character varying(64) array NOT NULL, "stopped_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "invocations_timed_has_frequency" CHECK ((repeat_mode = 'Period') = (frequency IS NOT NULL)), CONSTRAINT "invocations_repeat_mode_check" CHECK (repeat_mode IN ('Once', 'Period')), CONSTRAINT "invocations_status_check" CHECK (status IN ('Pending', 'Scheduled', 'Running', 'Success', 'Failed', 'PartialFailed', 'Stopping', 'Stopped')), CONSTRAINT "PK_5e00bec31e5ac3347e30c687904" PRIMARY KEY ("invoke_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "invocations_next_fire_idx" ON "invocations"  ("next_fire_at") WHERE next_fire_at IS NOT NULL`);
    await queryRunner.query(`CREATE UNIQUE INDEX "invocations_client_token_key" ON "invocations"  ("client_token") WHERE client_token IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX "invocations_command_created_idx" ON "invocations"  ("command_id", "created_at") `);
    await queryRunner.query(`CREATE INDEX "invocations_status_created_idx" ON "invocations"  ("status", "created_at") `);
    await queryRunner.query(`CREATE INDEX "invocations_region_created_idx" ON "invocations"  ("region_id", "created_at") `);
    await queryRunner.query(
      `CREATE TABLE "invocation_records" ("record_id" uuid NOT NULL DEFAULT gen_random_uuid(), "invoke_id" character varying(34) NOT NULL, "instance_id" character varying(64) NOT NULL, "scheduled_at" TIMESTAMP WITH TIME ZONE NOT NULL, "repeats" integer NOT NULL DEFAULT '1', "status" character varying(16) NOT NULL DEFAULT 'Pending', "exit_code" integer, "output" bytea NOT NULL, "dropped" integer NOT NULL DEFAULT '0', "error_code" character varying(64) NOT NULL DEFAULT '', "error_info" character varying(1024) NOT NULL DEFAULT '', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "start_time" TIMESTAMP WITH TIME ZONE, "finished_time" TIMESTAMP WITH TIME ZONE, "stop_time" TIMESTAMP WITH TIME ZONE, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "invocation_records_run_key" UNIQUE ("invoke_id", "instance_id", "scheduled_at"), CONSTRAINT "invocation_records_dropped_check" CHECK (dropped >= 0), CONSTRAINT "invocation_records_status_check" CHECK (status IN ('Pending', 'Running', 'Success', 'Failed', 'Timeout', 'Aborted', 'Error', 'Cancelled', 'Terminated', 'Invalid', 'Skipped', 'Missed')), CONSTRAINT "PK_3eb641dfa46820de8e4c99165eb" PRIMARY KEY ("record_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "invocation_records_open_idx" ON "invocation_records"  ("status", "created_at") WHERE status IN ('Pending', 'Running')`,
    );
    await queryRunner.query(`CREATE INDEX "invocation_records_instance_created_idx" ON "invocation_records"  ("instance_id", "created_at") `);
    await queryRunner.query(`CREATE INDEX "invocation_records_instance_status_idx" ON "invocation_records"  ("instance_id", "status") `);
    await queryRunner.query(
      `ALTER TABLE "activations" ADD CONSTRAINT "FK_d0b79e9d7b94d33a01c1ce2dd43" FOREIGN KEY ("region_id") REFERENCES "regions"("region_id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "instances" ADD CONSTRAINT "FK_30623f7321c4a75eed5d898de87" FOREIGN KEY ("region_id") REFERENCES "regions"("region_id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "instances" ADD CONSTRAINT "FK_75b94597eb6fca78cb1b3dfa547" FOREIGN KEY ("activation_id") REFERENCES "activations"("activation_id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "access_keys" ADD CONSTRAINT "FK_f2249a0566daa05d597c189b175" FOREIGN KEY ("instance_id") REFERENCES "instances"("instance_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "commands" ADD CONSTRAINT "FK_e709988115c36513c3a56dd82c0" FOREIGN KEY ("region_id") REFERENCES "regions"("region_id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "invocation_records" ADD CONSTRAINT "FK_18ca723ffb765f96374ee7a0b0d" FOREIGN KEY ("invoke_id") REFERENCES "invocations"("invoke_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    // Not expressible as an entity decorator: a GIN index answers "invocations targeting instance X".
    await queryRunner.query(`CREATE INDEX "invocations_instance_ids_idx" ON "invocations" USING gin ("instance_ids")`);
    // Alibaba's public regions, as DescribeRegions lists them.
    await queryRunner.query(`INSERT INTO "regions" ("region_id", "local_name", "local_name_en", "region_endpoint") VALUES
            ('cn-qingdao', '华北1（青岛）', 'China (Qingdao)', 'ecs.cn-qingdao.aliyuncs.com'),
            ('cn-beijing', '华北2（北京）', 'China (Beijing)', 'ecs.cn-beijing.aliyuncs.com'),
            ('cn-zhangjiakou', '华北3（张家口）', 'China (Zhangjiakou)', 'ecs.cn-zhangjiakou.aliyuncs.com'),
            ('cn-huhehaote', '华北5（呼和浩特）', 'China (Hohhot)', 'ecs.cn-huhehaote.aliyuncs.com'),
            ('cn-wulanchabu', '华北6（乌兰察布）', 'China (Ulanqab)', 'ecs.cn-wulanchabu.aliyuncs.com'),
            ('cn-hangzhou', '华东1（杭州）', 'China (Hangzhou)', 'ecs.cn-hangzhou.aliyuncs.com'),
            ('cn-shanghai', '华东2（上海）', 'China (Shanghai)', 'ecs.cn-shanghai.aliyuncs.com'),
            ('cn-nanjing', '华东5（南京-本地地域）', 'China (Nanjing - Local Region)', 'ecs.cn-nanjing.aliyuncs.com'),
            ('cn-fuzhou', '华东6（福州-本地地域）', 'China (Fuzhou - Local Region)', 'ecs.cn-fuzhou.aliyuncs.com'),
            ('cn-wuhan-lr', '华中1（武汉-本地地域）', 'China (Wuhan - Local Region)', 'ecs.cn-wuhan-lr.aliyuncs.com'),
            ('cn-shenzhen', '华南1（深圳）', 'China (Shenzhen)', 'ecs.cn-shenzhen.aliyuncs.com'),
            ('cn-heyuan', '华南2（河源）', 'China (Heyuan)', 'ecs.cn-heyuan.aliyuncs.com'),
            ('cn-guangzhou', '华南3（广州）', 'China (Guangzhou)', 'ecs.cn-guangzhou.aliyuncs.com'),
            ('cn-chengdu', '西南1（成都）', 'China (Chengdu)', 'ecs.cn-chengdu.aliyuncs.com'),
            ('cn-hongkong', '中国香港', 'China (Hong Kong)', 'ecs.cn-hongkong.aliyuncs.com'),
            ('ap-northeast-1', '日本（东京）', 'Japan (Tokyo)', 'ecs.ap-northeast-1.aliyuncs.com'),
            ('ap-northeast-2', '韩国（首尔）', 'South Korea (Seoul)', 'ecs.ap-northeast-2.aliyuncs.com'),
            ('ap-southeast-1', '新加坡', 'Singapore', 'ecs.ap-southeast-1.aliyuncs.com'),
            ('ap-southeast-3', '马来西亚（吉隆坡）', 'Malaysia (Kuala Lumpur)', 'ecs.ap-southeast-3.aliyuncs.com'),
            ('ap-southeast-5', '印度尼西亚（雅加达）', 'Indonesia (Jakarta)', 'ecs.ap-southeast-5.aliyuncs.com'),
            ('ap-southeast-6', '菲律宾（马尼拉）', 'Philippines (Manila)', 'ecs.ap-southeast-6.aliyuncs.com'),
            ('ap-southeast-7', '泰国（曼谷）', 'Thailand (Bangkok)', 'ecs.ap-southeast-7.aliyuncs.com'),
            ('us-east-1', '美国（弗吉尼亚）', 'US (Virginia)', 'ecs.us-east-1.aliyuncs.com'),
            ('us-west-1', '美国（硅谷）', 'US (Silicon Valley)', 'ecs.us-west-1.aliyuncs.com'),
            ('na-south-1', '墨西哥', 'Mexico', 'ecs.na-south-1.aliyuncs.com'),
            ('eu-west-1', '英国（伦敦）', 'UK (London)', 'ecs.eu-west-1.aliyuncs.com'),
            ('eu-central-1', '德国（法兰克福）', 'Germany (Frankfurt)', 'ecs.eu-central-1.aliyuncs.com'),
            ('me-east-1', '阿联酋（迪拜）', 'UAE (Dubai)', 'ecs.me-east-1.aliyuncs.com'),
            ('me-central-1', '沙特（利雅得）', 'Saudi Arabia (Riyadh)', 'ecs.me-central-1.aliyuncs.com')`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."invocations_instance_ids_idx"`);
    await queryRunner.query(`ALTER TABLE "invocation_records" DROP CONSTRAINT "FK_18ca723ffb765f96374ee7a0b0d"`);
    await queryRunner.query(`ALTER TABLE "commands" DROP CONSTRAINT "FK_e709988115c36513c3a56dd82c0"`);
    await queryRunner.query(`ALTER TABLE "access_keys" DROP CONSTRAINT "FK_f2249a0566daa05d597c189b175"`);
    await queryRunner.query(`ALTER TABLE "instances" DROP CONSTRAINT "FK_75b94597eb6fca78cb1b3dfa547"`);
    await queryRunner.query(`ALTER TABLE "instances" DROP CONSTRAINT "FK_30623f7321c4a75eed5d898de87"`);
    await queryRunner.query(`ALTER TABLE "activations" DROP CONSTRAINT "FK_d0b79e9d7b94d33a01c1ce2dd43"`);
    await queryRunner.query(`DROP INDEX "public"."invocation_records_instance_status_idx"`);
    await queryRunner.query(`DROP INDEX "public"."invocation_records_instance_created_idx"`);
    await queryRunner.query(`DROP INDEX "public"."invocation_records_open_idx"`);
    await queryRunner.query(`DROP TABLE "invocation_records"`);
    await queryRunner.query(`DROP INDEX "public"."invocations_region_created_idx"`);
    await queryRunner.query(`DROP INDEX "public"."invocations_status_created_idx"`);
    await queryRunner.query(`DROP INDEX "public"."invocations_command_created_idx"`);
    await queryRunner.query(`DROP INDEX "public"."invocations_client_token_key"`);
    await queryRunner.query(`DROP INDEX "public"."invocations_next_fire_idx"`);
    await queryRunner.query(`DROP TABLE "invocations"`);
    await queryRunner.query(`DROP INDEX "public"."commands_region_created_idx"`);
    await queryRunner.query(`DROP TABLE "commands"`);
    await queryRunner.query(`DROP INDEX "public"."signature_nonces_expires_at_idx"`);
    await queryRunner.query(`DROP TABLE "signature_nonces"`);
    await queryRunner.query(`DROP TABLE "service_settings"`);
    await queryRunner.query(`DROP INDEX "public"."access_keys_instance_id_idx"`);
    await queryRunner.query(`DROP TABLE "access_keys"`);
    await queryRunner.query(`DROP INDEX "public"."instances_region_created_idx"`);
    await queryRunner.query(`DROP TABLE "instances"`);
    await queryRunner.query(`DROP INDEX "public"."activations_region_created_idx"`);
    await queryRunner.query(`DROP TABLE "activations"`);
    await queryRunner.query(`DROP TABLE "regions"`);
  }
}
