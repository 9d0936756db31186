import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { InvocationEntity } from './invocation.entity';
import { RECORD_STATUSES, RecordStatus, sqlList } from '../runs/invocation-status';

/**
 * One run of an invocation on one instance. "Exactly once per scheduled time" is the unique
 * key (invocation, instance, scheduled time), not an `if` in code; the record id is the
 * agent's idempotency key.
 */
// Retention's purge scan (finished records by age); see runs/purge.ts.
@Index('invocation_records_retention_idx', ['createdAt'], { where: `status NOT IN ('Pending', 'Running')` })
@Entity('invocation_records')
@Unique('invocation_records_run_key', ['invokeId', 'instanceId', 'scheduledAt'])
@Check('invocation_records_status_check', `status IN (${sqlList(RECORD_STATUSES)})`)
@Check('invocation_records_dropped_check', `dropped >= 0`)
@Index('invocation_records_instance_status_idx', ['instanceId', 'status'])
@Index('invocation_records_instance_created_idx', ['instanceId', 'createdAt'])
// DescribeInvocationResults of one invocation with IncludeHistory, newest first: a timed one has thousands of runs.
@Index('invocation_records_invoke_created_idx', ['invokeId', 'createdAt'])
@Index('invocation_records_open_idx', ['status', 'createdAt'], { where: `status IN ('Pending', 'Running')` })
export class InvocationRecordEntity {
  @PrimaryGeneratedColumn('uuid', { name: 'record_id' })
  recordId: string;

  @Column({ name: 'invoke_id', type: 'varchar', length: 34 })
  invokeId: string;

  @ManyToOne(() => InvocationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'invoke_id' })
  invocation?: InvocationEntity;

  @Column({ name: 'instance_id', type: 'varchar', length: 64 })
  instanceId: string;

  /** When this run was due: the invocation's creation for a one-shot, the fire time for a timed one. */
  @Column({ name: 'scheduled_at', type: 'timestamptz' })
  scheduledAt: Date;

  /** Which run of the invocation on this instance this is, from 1. */
  @Column({ type: 'int', default: 1 })
  repeats: number;

  @Column({ type: 'varchar', length: 16, default: 'Pending' })
  status: RecordStatus;

  @Column({ name: 'exit_code', type: 'int', nullable: true })
  exitCode: number | null;

  @Column({ type: 'bytea' })
  output: Buffer;

  @Column({ type: 'int', default: 0 })
  dropped: number;

  @Column({ name: 'error_code', type: 'varchar', length: 64, default: '' })
  errorCode: string;

  @Column({ name: 'error_info', type: 'varchar', length: 1024, default: '' })
  errorInfo: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  /** When an agent was last sent this run. */
  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt: Date | null;

  /** When the agent confirmed it received this run (on its next poll); until then it is delivered again. */
  @Column({ name: 'acked_at', type: 'timestamptz', nullable: true })
  ackedAt: Date | null;

  /** StopInvocation on a running run: the agent kills it and reports it Terminated. */
  @Column({ name: 'stop_requested_at', type: 'timestamptz', nullable: true })
  stopRequestedAt: Date | null;

  @Column({ name: 'start_time', type: 'timestamptz', nullable: true })
  startTime: Date | null;

  @Column({ name: 'finished_time', type: 'timestamptz', nullable: true })
  finishedTime: Date | null;

  @Column({ name: 'stop_time', type: 'timestamptz', nullable: true })
  stopTime: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
