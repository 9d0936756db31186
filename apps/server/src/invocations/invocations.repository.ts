import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { InvocationEntity } from './invocation.entity';

export type NewInvocation = Omit<InvocationEntity, 'updatedAt' | 'stoppedAt' | 'fireCount' | 'stoppedInstanceIds'>;

/** The invocation row of InvokeCommand's transactional path, as SQL one can read. */
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
        row.invokeId,
        row.regionId,
        row.commandId,
        row.commandName,
        row.commandType,
        row.commandContent,
        JSON.stringify(row.parameters),
        row.workingDir,
        row.username,
        row.timeout,
        row.repeatMode,
        row.frequency,
        row.timeZone,
        row.misfirePolicy,
        row.nextFireAt,
        row.status,
        row.clientToken,
        row.requestFingerprint,
        row.instanceIds,
        row.createdAt,
      ],
    );
  }
}
