import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { SqlRunner } from '../database/sql';
import { deriveInvocationStatus, RecordStatus } from './invocation-status';
import { InvocationEntity } from './invocation.entity';
import { operationsMetrics } from '../metrics/operations-metrics';

export type NewInvocation = Omit<InvocationEntity, 'updatedAt' | 'stoppedAt' | 'fireCount' | 'stoppedInstanceIds'>;

/**
 * The invocation writes and reads that matter for speed, as SQL one can read: one statement
 * per table, whatever the number of instances.
 */
@Injectable()
export class InvocationsRepository {
  async insertInvocation(manager: EntityManager, row: NewInvocation): Promise<void> {
    await manager.query(
      `INSERT INTO invocations (
         invoke_id, region_id, command_id, command_name, command_type, command_content, parameters,
         working_dir, username, timeout, repeat_mode, frequency, time_zone, misfire_policy,
         next_fire_at, status, client_token, request_fingerprint, instance_ids, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $20)`,
      [
        row.invokeId, row.regionId, row.commandId, row.commandName, row.commandType, row.commandContent,
        JSON.stringify(row.parameters), row.workingDir, row.username, row.timeout, row.repeatMode, row.frequency,
        row.timeZone, row.misfirePolicy, row.nextFireAt, row.status, row.clientToken, row.requestFingerprint,
        row.instanceIds, row.createdAt,
      ],
    );
  }

  /** One Pending record per instance for the run due at `scheduledAt`. */
  async insertPendingRecords(manager: EntityManager, invokeId: string, instanceIds: string[], scheduledAt: Date, repeats: number): Promise<void> {
    await manager.query(
      `INSERT INTO invocation_records (invoke_id, instance_id, scheduled_at, repeats, status, output, created_at, updated_at)
       SELECT $1, instance_id, $3, $4, 'Pending', '\\x'::bytea, now(), now() FROM unnest($2::varchar[]) AS instance_id`,
      [invokeId, instanceIds, scheduledAt, repeats],
    );
  }

  /**
   * Re-derives the overall status of invocations from their records. The invocation
   * row is locked first, so two agents finishing at once cannot both write a stale status;
   * in sorted order, and FOR NO KEY UPDATE, which a StopInvocation's KEY SHARE does not block.
   */
  async refreshStatuses(tx: SqlRunner, invokeIds: Iterable<string>): Promise<void> {
    for (const invokeId of [...new Set(invokeIds)].sort()) {
      const {
        rows: [invocation],
      } = await tx.query<{ repeat_mode: string; stopped_at: Date | null; status: string }>(
        'SELECT repeat_mode, stopped_at, status FROM invocations WHERE invoke_id = $1 FOR NO KEY UPDATE',
        [invokeId],
      );
      if (!invocation) continue;
      const { rows } = await tx.query<{ status: RecordStatus }>(
        'SELECT DISTINCT status FROM invocation_records WHERE invoke_id = $1',
        [invokeId],
      );
      const status = deriveInvocationStatus(
        { timed: invocation.repeat_mode === 'Period', stopped: invocation.stopped_at !== null },
        rows.map((r) => r.status),
      );
      if (status !== invocation.status) {
        await tx.query('UPDATE invocations SET status = $2, updated_at = now() WHERE invoke_id = $1', [invokeId, status]);
        operationsMetrics.invocationStatusChanged(status);
      }
    }
  }
}
