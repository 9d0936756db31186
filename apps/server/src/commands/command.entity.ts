import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { RegionEntity } from '../regions/region.entity';

export const COMMAND_TYPES = ['RunShellScript', 'RunBatScript', 'RunPowerShellScript'] as const;
export type CommandType = (typeof COMMAND_TYPES)[number];

/** A command in the catalogue. Content is kept as raw bytes and shown as Base64. */
@Entity('commands')
@Check('commands_type_check', `type IN ('RunShellScript', 'RunBatScript', 'RunPowerShellScript')`)
@Check('commands_timeout_check', `timeout BETWEEN 10 AND 86400`)
@Index('commands_region_created_idx', ['regionId', 'createdAt'])
export class CommandEntity {
  @PrimaryColumn({ name: 'command_id', type: 'varchar', length: 34 })
  commandId: string;

  @Column({ name: 'region_id', type: 'varchar', length: 32 })
  regionId: string;

  @ManyToOne(() => RegionEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'region_id' })
  region?: RegionEntity;

  @Column({ type: 'varchar', length: 128 })
  name: string;

  @Column({ type: 'varchar', length: 512, default: '' })
  description: string;

  @Column({ type: 'varchar', length: 32 })
  type: CommandType;

  @Column({ type: 'bytea' })
  content: Buffer;

  @Column({ name: 'working_dir', type: 'varchar', length: 200, default: '' })
  workingDir: string;

  @Column({ type: 'int', default: 60 })
  timeout: number;

  @Column({ name: 'enable_parameter', type: 'boolean', default: false })
  enableParameter: boolean;

  @Column({ name: 'parameter_names', type: 'jsonb' })
  parameterNames: string[];

  /** False for RunCommand's one-off commands (KeepCommand=false): invocable history, not catalogue. */
  @Column({ type: 'boolean', default: true })
  kept: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
