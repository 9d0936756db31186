import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ApiError } from '../api/api-error';
import { Paging } from '../api/paging';
import { DispatchNotifier } from '../dispatch/dispatch-notifier';
import { latestRuns, recordColumns, SqlFilter } from './invocation-queries';
import { InvocationStatus, RecordStatus } from './invocation-status';
import { InvocationEntity, RepeatMode } from './invocation.entity';
import { RecordRow } from './invocation.presenter';
import { InvocationsRepository } from './invocations.repository';

export interface InvocationFilter {
  regionId: string;
  invokeId?: string;
  commandId?: string;
  commandName?: string;
  commandType?: string;
  repeatMode?: RepeatMode;
  status?: InvocationStatus;
  instanceId?: string;
  /** Created at or after this time. */
  createdSince?: Date;
  /** Created before this time. */
  createdUntil?: Date;
}

export interface ResultFilter {
  regionId: string;
  invokeId?: string;
  instanceId?: string;
  commandId?: string;
  statuses?: RecordStatus[];
  includeHistory: boolean;
}

@Injectable()
export class InvocationsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: InvocationsRepository,
    private readonly notifier: DispatchNotifier,
  ) {}

  async list(filter: InvocationFilter, paging: Paging): Promise<{ invocations: InvocationEntity[]; runs: RecordRow[]; total: number }> {
    const query = this.dataSource.manager
      .createQueryBuilder(InvocationEntity, 'i')
      .where('i.region_id = :regionId', { regionId: filter.regionId });
    if (filter.invokeId) query.andWhere('i.invoke_id = :invokeId', { invokeId: filter.invokeId });
    if (filter.commandId) query.andWhere('i.command_id = :commandId', { commandId: filter.commandId });
    if (filter.commandName) query.andWhere('i.command_name = :commandName', { commandName: filter.commandName });
    if (filter.commandType) query.andWhere('i.command_type = :commandType', { commandType: filter.commandType });
    if (filter.repeatMode) query.andWhere('i.repeat_mode = :repeatMode', { repeatMode: filter.repeatMode });
    if (filter.status) query.andWhere('i.status = :status', { status: filter.status });
    if (filter.instanceId) query.andWhere('i.instance_ids @> ARRAY[:instanceId]::varchar[]', { instanceId: filter.instanceId });
    if (filter.createdSince) query.andWhere('i.created_at >= :createdSince', { createdSince: filter.createdSince });
    if (filter.createdUntil) query.andWhere('i.created_at < :createdUntil', { createdUntil: filter.createdUntil });
    const [invocations, total] = await query
      .orderBy('i.created_at', 'DESC')
      .addOrderBy('i.invoke_id', 'ASC')
      .skip(paging.offset)
      .take(paging.limit)
      .getManyAndCount();
    const runs = await latestRuns(this.dataSource.manager, invocations.map((i) => i.invokeId));
    return { invocations, runs, total };
  }

  async results(filter: ResultFilter, paging: Paging): Promise<{ rows: Array<RecordRow & { commandId: string; username: string }>; total: number }> {
    const f = new SqlFilter();
    f.add((p) => `i.region_id = ${p}`, filter.regionId);
    f.addIf(filter.invokeId, (p) => `r.invoke_id = ${p}`);
    f.addIf(filter.instanceId, (p) => `r.instance_id = ${p}`);
    f.addIf(filter.commandId, (p) => `i.command_id = ${p}`);
    f.addIf(filter.statuses, (p) => `r.status = ANY(${p})`);
    // Without IncludeHistory a timed invocation shows only its latest run on each instance.
    const source = filter.includeHistory
      ? 'invocation_records r'
      : `(SELECT DISTINCT ON (invoke_id, instance_id) * FROM invocation_records
           ${filter.invokeId ? `WHERE invoke_id = ${f.next(filter.invokeId)}` : ''}
           ORDER BY invoke_id, instance_id, scheduled_at DESC) r`;
    const from = `FROM ${source} JOIN invocations i ON i.invoke_id = r.invoke_id ${f.where()}`;
    const [{ count }] = await this.dataSource.query(`SELECT count(*)::int AS count ${from}`, f.values);
    const limit = f.next(paging.limit);
    const offset = f.next(paging.offset);
    const rows = await this.dataSource.query(
      `SELECT ${recordColumns('r')}, i.command_id AS "commandId", i.username
         ${from}
        ORDER BY r.created_at DESC, r.instance_id, r.scheduled_at DESC
        LIMIT ${limit} OFFSET ${offset}`,
      f.values,
    );
    return { rows, total: count as number };
  }

  /**
   * StopInvocation: a timed invocation stops firing at once (on every replica: the next fire
   * time is cleared in the shared row); records not started become Cancelled; running ones are
   * flagged, and their agents, woken now, kill them and report them Terminated.
   */
  async stop(regionId: string, invokeId: string, instanceIds: string[] | undefined): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const invocation = await manager.findOne(InvocationEntity, {
        where: { regionId, invokeId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!invocation) throw new ApiError('InvalidInvokeId.NotFound');
      if (instanceIds?.some((id) => !invocation.instanceIds.includes(id))) throw new ApiError('InvalidInstanceId.NotFound');
      const targets = instanceIds ?? invocation.instanceIds;
      await manager.query(
        `UPDATE invocation_records SET status = 'Cancelled', stop_time = now(), updated_at = now(),
                error_code = 'Cancelled', error_info = 'the invocation was stopped before this run started'
          WHERE invoke_id = $1 AND instance_id = ANY($2) AND status = 'Pending'`,
        [invokeId, targets],
      );
      await manager.query(
        `UPDATE invocation_records SET stop_requested_at = now(), updated_at = now()
          WHERE invoke_id = $1 AND instance_id = ANY($2) AND status = 'Running' AND stop_requested_at IS NULL`,
        [invokeId, targets],
      );
      const stopsWhole = invocation.instanceIds.every((id) => targets.includes(id));
      if (stopsWhole) {
        await manager.query(
          `UPDATE invocations SET stopped_at = coalesce(stopped_at, now()), next_fire_at = NULL, updated_at = now()
            WHERE invoke_id = $1`,
          [invokeId],
        );
      }
      await this.repository.refreshStatuses(manager, [invokeId]);
      await this.notifier.notify(manager, targets);
    });
  }
}
