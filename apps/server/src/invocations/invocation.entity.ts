import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import type { CommandType } from '../commands/command.entity';
import { INVOCATION_STATUSES, InvocationStatus, MisfirePolicy, sqlList } from '../runs/invocation-status';

export type RepeatMode = 'Once' | 'Period';

/**
 * One InvokeCommand call. It keeps a snapshot of the command as invoked, so editing or deleting
 * the command later changes neither what runs nor what the history shows.
 */
@Entity('invocations')
@Check('invocations_status_check', `status IN (${sqlList(INVOCATION_STATUSES)})`)
@Check('invocations_repeat_mode_check', `repeat_mode IN ('Once', 'Period')`)
@Check('invocations_timed_has_frequency', `(repeat_mode = 'Period') = (frequency IS NOT NULL)`)
// DescribeInvocations pages newest first, and counts, on these: unfiltered, by status, by command
// (command first: DescribeCommands counts InvokeTimes by command alone). Each has region_id, so
// the count of a filter is an index-only scan.
@Index('invocations_region_created_idx', ['regionId', 'createdAt'])
@Index('invocations_region_status_created_idx', ['regionId', 'status', 'createdAt'])
@Index('invocations_command_region_created_idx', ['commandId', 'regionId', 'createdAt'])
@Index('invocations_client_token_key', ['clientToken'], { unique: true, where: 'client_token IS NOT NULL' })
export class InvocationEntity {
  @PrimaryColumn({ name: 'invoke_id', type: 'varchar', length: 34 })
  invokeId: string;

  @Column({ name: 'region_id', type: 'varchar', length: 32 })
  regionId: string;

  @Column({ name: 'command_id', type: 'varchar', length: 34 })
  commandId: string;

  @Column({ name: 'command_name', type: 'varchar', length: 128 })
  commandName: string;

  @Column({ name: 'command_type', type: 'varchar', length: 32 })
  commandType: CommandType;

  @Column({ name: 'command_content', type: 'bytea' })
  commandContent: Buffer;

  @Column({ type: 'jsonb' })
  parameters: Record<string, string>;

  @Column({ name: 'working_dir', type: 'varchar', length: 200, default: '' })
  workingDir: string;

  @Column({ type: 'varchar', length: 255, default: '' })
  username: string;

  @Column({ type: 'int' })
  timeout: number;

  @Column({ name: 'repeat_mode', type: 'varchar', length: 16, default: 'Once' })
  repeatMode: RepeatMode;

  @Column({ type: 'varchar', length: 256, nullable: true })
  frequency: string | null;

  @Column({ name: 'time_zone', type: 'varchar', length: 64, nullable: true })
  timeZone: string | null;

  @Column({ name: 'misfire_policy', type: 'varchar', length: 16, nullable: true })
  misfirePolicy: MisfirePolicy | null;

  /** For a timed invocation, the next time it fires; null once it never fires again. */
  @Index('invocations_next_fire_idx', { where: 'next_fire_at IS NOT NULL' })
  @Column({ name: 'next_fire_at', type: 'timestamptz', nullable: true })
  nextFireAt: Date | null;

  /** How many fires (runs, skips, collapsed misses) a timed invocation has had: the next run's Repeats. */
  @Column({ name: 'fire_count', type: 'int', default: 0 })
  fireCount: number;

  @Column({ type: 'varchar', length: 16 })
  status: InvocationStatus;

  @Column({ name: 'client_token', type: 'varchar', length: 64, nullable: true })
  clientToken: string | null;

  /** SHA-256 of the request's meaningful parameters: the same ClientToken must mean the same request. */
  @Column({ name: 'request_fingerprint', type: 'varchar', length: 64, nullable: true })
  requestFingerprint: string | null;

  /** The target instances, in request order. */
  @Index('invocations_instance_ids_idx', { synchronize: false })
  @Column({ name: 'instance_ids', type: 'varchar', length: 64, array: true })
  instanceIds: string[];

  /**
   * Instances a StopInvocation with InstanceId.N stopped while others go on: a timed invocation
   * no longer fires on them. Stopping every instance stops the whole invocation (stoppedAt).
   */
  @Column({ name: 'stopped_instance_ids', type: 'varchar', length: 64, array: true, default: () => "'{}'" })
  stoppedInstanceIds: string[];

  /** Set by StopInvocation: a stopped invocation never fires again and ends as Stopped. */
  @Column({ name: 'stopped_at', type: 'timestamptz', nullable: true })
  stoppedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
