import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ApiError } from '../common/api-error';
import { RECORD_ID_PATTERN } from '../common/fields';
import { invalidToken, Paging } from '../common/paging';
import { DispatchNotifier } from '../database/dispatch-notifier';
import { Sql } from '../database/sql';
import { operationsMetrics } from '../metrics/operations-metrics';
import { holdInvocationForStop, stopRuns } from '../runs/stop';
import { invocationColumns, IS_LATEST_RUN, latestRuns, recordColumns, SqlFilter } from './invocation-queries';
import { InvocationStatus, RecordStatus } from '../runs/invocation-status';
import { InvocationEntity, RepeatMode } from './invocation.entity';
import { RecordRow } from './invocation.presenter';

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

/** Keys a keyset NextToken may carry: the last invocation's id, or the last record's id. */
const INVOKE_ID_KEY = /^[A-Za-z0-9_.:-]{1,64}$/;

@Injectable()
export class InvocationsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly sql: Sql,
    private readonly notifier: DispatchNotifier,
  ) {}

  /**
   * DescribeInvocations: a page, newest first, with the latest run on each instance. The count
   * runs beside the page on another connection; a keyset NextToken skips it (its TotalCount is
   * the one the first page reported) and starts after the previous page's last invocation. One
   * row more than the page tells whether another page follows (`nextKey`).
   * `includeOutput: false` leaves the runs' output empty (not fetched).
   */
  async list(
    filter: InvocationFilter,
    paging: Paging,
    options: { includeOutput?: boolean } = {},
  ): Promise<{ invocations: InvocationEntity[]; runs: RecordRow[]; total: number; nextKey: string | null }> {
    const f = new SqlFilter();
    f.add((p) => `i.region_id = ${p}`, filter.regionId);
    f.addIf(filter.invokeId, (p) => `i.invoke_id = ${p}`);
    f.addIf(filter.commandId, (p) => `i.command_id = ${p}`);
    f.addIf(filter.commandName, (p) => `i.command_name = ${p}`);
    f.addIf(filter.commandType, (p) => `i.command_type = ${p}`);
    f.addIf(filter.repeatMode, (p) => `i.repeat_mode = ${p}`);
    f.addIf(filter.status, (p) => `i.status = ${p}`);
    f.addIf(filter.instanceId, (p) => `i.instance_ids @> ARRAY[${p}]::varchar[]`);
    f.addIf(filter.createdSince, (p) => `i.created_at >= ${p}`);
    f.addIf(filter.createdUntil, (p) => `i.created_at < ${p}`);
    const page = f.copy();
    if (paging.after) {
      if (!INVOKE_ID_KEY.test(paging.after.key)) throw invalidToken();
      const key = page.next(paging.after.key);
      const after = `(SELECT created_at FROM invocations WHERE invoke_id = ${key})`;
      // Newest first, then by id: rows after the key are older, or as old with a greater id.
      page.conditions.push(`i.created_at <= ${after}`, `(i.created_at < ${after} OR i.invoke_id > ${key})`);
    }
    const readPage = async (): Promise<{ invocations: InvocationEntity[]; runs: RecordRow[]; nextKey: string | null }> => {
      const rows: InvocationEntity[] = await this.dataSource.query(
        `SELECT ${invocationColumns(this.dataSource)} FROM invocations i ${page.where()}
          ORDER BY i.created_at DESC, i.invoke_id
          LIMIT ${page.next(paging.limit + 1)} OFFSET ${page.next(paging.after ? 0 : paging.offset)}`,
        page.values,
      );
      const invocations = rows.slice(0, paging.limit);
      const nextKey = rows.length > paging.limit ? invocations[invocations.length - 1].invokeId : null;
      return { invocations, nextKey, runs: await latestRuns(this.dataSource.manager, invocations, { output: options.includeOutput ?? true }) };
    };
    const [read, total] = await Promise.all([readPage(), paging.after?.total ?? this.count(`FROM invocations i ${f.where()}`, f.values)]);
    return { ...read, total };
  }

  /**
   * DescribeInvocationResults, newest first. Without IncludeHistory only each instance's latest
   * run counts: of one invocation, one probe per instance; otherwise runs with no later run.
   */
  async results(
    filter: ResultFilter,
    paging: Paging,
  ): Promise<{ rows: Array<RecordRow & { commandId: string; username: string }>; total: number; nextKey: string | null }> {
    const latestOfOne = !filter.includeHistory && filter.invokeId !== undefined;
    const from = latestOfOne
      ? `FROM invocations i CROSS JOIN LATERAL unnest(i.instance_ids) AS u(instance_id)
         CROSS JOIN LATERAL (SELECT * FROM invocation_records lr WHERE lr.invoke_id = i.invoke_id AND lr.instance_id = u.instance_id
                              ORDER BY lr.scheduled_at DESC LIMIT 1) r`
      : 'FROM invocation_records r JOIN invocations i ON i.invoke_id = r.invoke_id';
    const f = new SqlFilter();
    f.add((p) => `i.region_id = ${p}`, filter.regionId);
    f.addIf(filter.invokeId, (p) => `i.invoke_id = ${p}`);
    f.addIf(filter.instanceId, (p) => `${latestOfOne ? 'u' : 'r'}.instance_id = ${p}`);
    f.addIf(filter.commandId, (p) => `i.command_id = ${p}`);
    f.addIf(filter.statuses, (p) => `r.status = ANY(${p})`);
    if (!filter.includeHistory && !latestOfOne) f.conditions.push(IS_LATEST_RUN);
    const page = f.copy();
    let withAfter = '';
    if (paging.after) {
      if (!RECORD_ID_PATTERN.test(paging.after.key)) throw invalidToken();
      withAfter = `WITH after AS MATERIALIZED (SELECT created_at, instance_id, scheduled_at, record_id FROM invocation_records
                                               WHERE record_id = ${page.next(paging.after.key)})`;
      const a = (column: string): string => `(SELECT ${column} FROM after)`;
      // The order below, spelled out: rows after the key's row, column by column.
      page.conditions.push(
        `r.created_at <= ${a('created_at')}`,
        `(r.created_at < ${a('created_at')} OR r.instance_id > ${a('instance_id')} OR (r.instance_id = ${a('instance_id')}
          AND (r.scheduled_at < ${a('scheduled_at')} OR (r.scheduled_at = ${a('scheduled_at')} AND r.record_id > ${a('record_id')}))))`,
      );
    }
    const readPage = async (): Promise<{ rows: Array<RecordRow & { commandId: string; username: string }>; nextKey: string | null }> => {
      const read: Array<RecordRow & { commandId: string; username: string }> = await this.dataSource.query(
        `${withAfter} SELECT ${recordColumns('r')}, i.command_id AS "commandId", i.username ${from} ${page.where()}
          ORDER BY r.created_at DESC, r.instance_id, r.scheduled_at DESC, r.record_id
          LIMIT ${page.next(paging.limit + 1)} OFFSET ${page.next(paging.after ? 0 : paging.offset)}`,
        page.values,
      );
      const rows = read.slice(0, paging.limit);
      return { rows, nextKey: read.length > paging.limit ? rows[rows.length - 1].recordId : null };
    };
    const [read, total] = await Promise.all([readPage(), paging.after?.total ?? this.count(`${from} ${f.where()}`, f.values)]);
    return { ...read, total };
  }

  private async count(fromWhere: string, values: unknown[]): Promise<number> {
    const [{ count }]: Array<{ count: number }> = await this.dataSource.query(`SELECT count(*)::int AS count ${fromWhere}`, values);
    return count;
  }

  /**
   * StopInvocation: a timed invocation stops firing at once (on every replica: the next fire
   * time is cleared in the shared row); records not started become Cancelled; running ones are
   * flagged, and their agents, woken now, kill them and report them Terminated. With InstanceId.N
   * naming only some instances, a timed invocation goes on firing on the others only.
   */
  async stop(regionId: string, invokeId: string, instanceIds: string[] | undefined): Promise<void> {
    await this.sql.transaction(async (tx) => {
      const invocation = await holdInvocationForStop(tx, regionId, invokeId);
      if (!invocation) throw new ApiError('InvalidInvokeId.NotFound');
      if (instanceIds?.some((id) => !invocation.instanceIds.includes(id))) throw new ApiError('InvalidInstanceId.NotFound');
      const targets = instanceIds ?? invocation.instanceIds;
      const cancelled = await stopRuns(tx, invokeId, targets);
      operationsMetrics.recordsFinishedAs('Cancelled', cancelled);
      await this.notifier.notify(tx, targets);
    });
  }
}
