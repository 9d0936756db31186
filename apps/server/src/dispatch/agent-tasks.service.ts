import { Injectable } from '@nestjs/common';
import { AgentFinalStatus, AgentPollResponse, AgentTask, OUTPUT_LIMIT_BYTES, REDELIVER_AFTER_SECONDS } from '@ca/protocol';
import type { Pool, QueryResultRow } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { ApiError } from '../api/api-error';
import { InvocationsRepository } from '../invocations/invocations.repository';
import { DispatchNotifier } from './dispatch-notifier';
import { queryRows } from '../database/query-rows';

const MAX_TASKS_PER_POLL = 50;

interface WorkRow {
  kind: 'task' | 'stop';
  record_id: string;
  invoke_id: string | null;
  command_type: AgentTask['CommandType'];
  command_content: Buffer;
  working_dir: string;
  username: string;
  timeout: number;
  fresh: boolean;
}

/**
 * One statement, one round trip: acknowledge ($4), claim the runs due now, then list them and
 * the stops pending for this instance (rows with kind = 'stop'), oldest first.
 */
const FETCH_WORK = {
  name: 'dispatch_fetch_work',
  text: `WITH acked AS (
         UPDATE invocation_records SET acked_at = now()
          WHERE instance_id = $1 AND record_id = ANY($4::uuid[]) AND acked_at IS NULL),
       picked AS (
         UPDATE invocation_records
            SET status = 'Running', start_time = coalesce(start_time, now()), delivered_at = now(), updated_at = now()
          WHERE record_id IN (
                SELECT record_id FROM invocation_records
                 WHERE instance_id = $1
                   AND (status = 'Pending'
                        OR (status = 'Running' AND acked_at IS NULL AND delivered_at < now() - make_interval(secs => $2)
                            AND record_id <> ALL($4::uuid[])))
                 ORDER BY created_at
                 LIMIT $3
                   FOR UPDATE SKIP LOCKED)
          RETURNING record_id, invoke_id, created_at),
       running AS (
         UPDATE invocations SET status = 'Running', updated_at = now()
          WHERE invoke_id IN (SELECT invoke_id FROM picked) AND status IN ('Pending', 'Scheduled'))
       (SELECT 'task' AS kind, p.record_id, i.invoke_id, i.command_type, i.command_content, i.working_dir, i.username,
               i.timeout, false AS fresh, p.created_at
          FROM picked p JOIN invocations i ON i.invoke_id = p.invoke_id)
       UNION ALL
       (SELECT 'stop', record_id, NULL, NULL, NULL, NULL, NULL, NULL,
               stop_requested_at > now() - interval '2 seconds', created_at
          FROM invocation_records
         WHERE instance_id = $1 AND status = 'Running' AND stop_requested_at IS NOT NULL)
       ORDER BY created_at`,
};

export interface TaskOutcome {
  status: AgentFinalStatus;
  exitCode?: number;
  errorCode?: string;
  errorInfo?: string;
  /** All the bytes the command wrote; beyond OUTPUT_LIMIT_BYTES they count as Dropped. */
  outputBytes: number;
  finishedAt: Date;
  /** The last piece of output, so a short command needs no separate output report. */
  output?: { offset: number; data: Buffer };
}

/**
 * The agent-facing side of dispatch. Every statement is scoped to the caller's own instance,
 * so an agent's credential can neither read nor report another instance's work.
 */
@Injectable()
export class AgentTasksService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly notifier: DispatchNotifier,
    private readonly invocations: InvocationsRepository,
  ) {}

  async heartbeat(instanceId: string, agentVersion: string | undefined, hostname: string | undefined): Promise<void> {
    await this.dataSource.query(
      `UPDATE instances SET last_heartbeat_at = now(),
              agent_version = coalesce($2, agent_version), agent_hostname = coalesce($3, agent_hostname)
        WHERE instance_id = $1`,
      [instanceId, agentVersion ?? null, hostname ?? null],
    );
  }

  /**
   * Long poll: returns at once when there is work or a stop, else waits for a notification. The
   * acknowledgements of the previous answer ride on the first look for work (one statement).
   */
  async poll(instanceId: string, waitSeconds: number, acks: string[], signal: AbortSignal): Promise<AgentPollResponse> {
    const deadline = Date.now() + waitSeconds * 1000;
    const subscription = this.notifier.subscribe(instanceId);
    try {
      for (let woken = false; ; woken = true) {
        const work = await this.fetchWork(instanceId, woken ? [] : acks);
        const remaining = deadline - Date.now();
        // A stop wakes a waiting poll at once; a stop still pending from earlier (the agent is
        // killing that run right now) is repeated in answers but is no reason to answer early,
        // or an agent would poll in a tight loop until its report lands.
        const newStop = work.StopRecordIds.length > 0 && (woken || work.freshStop);
        if (work.Tasks.length > 0 || newStop || remaining <= 0 || signal.aborted || this.notifier.closed) {
          return { Tasks: work.Tasks, StopRecordIds: work.StopRecordIds };
        }
        await subscription.wait(remaining, signal);
        if (this.notifier.closed) return { Tasks: [], StopRecordIds: [] };
      }
    } finally {
      subscription.close();
    }
  }

  /**
   * Hands this instance its due runs and claims them in the same statement: a delivered run is
   * Running (StartTime set), and its invocation too. A run delivered but never acknowledged (the
   * answer was lost) is delivered again after REDELIVER_AFTER_SECONDS. `acks` are marked
   * acknowledged first (they are the agent's own, so never handed over again here).
   */
  private async fetchWork(instanceId: string, acks: string[]): Promise<AgentPollResponse & { freshStop: boolean }> {
    const rows = await this.prepared<WorkRow>(FETCH_WORK, [instanceId, REDELIVER_AFTER_SECONDS, MAX_TASKS_PER_POLL, acks]);
    const tasks = rows.filter((r) => r.kind === 'task');
    const stops = rows.filter((r) => r.kind === 'stop');
    return {
      Tasks: tasks.map((t) => ({
        RecordId: t.record_id,
        InvokeId: t.invoke_id!,
        CommandType: t.command_type,
        CommandContent: t.command_content.toString('base64'),
        WorkingDir: t.working_dir,
        Username: t.username,
        TimeoutSeconds: t.timeout,
      })),
      StopRecordIds: stops.map((s) => s.record_id),
      freshStop: stops.some((s) => s.fresh),
    };
  }

  /**
   * A named statement on the pool TypeORM holds: PostgreSQL parses and plans it once per
   * connection instead of on every poll (planning this statement took 4× its execution).
   */
  private async prepared<T>(statement: { name: string; text: string }, values: unknown[]): Promise<T[]> {
    const pool = (this.dataSource.driver as PostgresDriver).master as Pool;
    return (await pool.query<T & QueryResultRow>({ ...statement, values })).rows;
  }

  /** Appends output at `offset` while within the kept 24 KB; a repeated offset is a retry and ignored. */
  async appendOutput(instanceId: string, recordId: string, offset: number, data: Buffer): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const updated = await this.writeOutput(manager, instanceId, recordId, offset, data);
      if (!updated) await this.assertOwnRecord(manager, instanceId, recordId);
    });
  }

  /**
   * Records a run's outcome. The first outcome wins; a repeated report (the agent retrying after
   * a lost answer) is acknowledged and ignored. A run the service gave up on as unreachable
   * still takes the agent's true outcome when it finally arrives.
   */
  async finish(instanceId: string, recordId: string, outcome: TaskOutcome): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      if (outcome.output) await this.writeOutput(manager, instanceId, recordId, outcome.output.offset, outcome.output.data);
      const finished = await queryRows<{ invoke_id: string }>(manager,
        `UPDATE invocation_records
            SET status = $3::varchar, exit_code = $4, error_code = $5, error_info = $6,
                dropped = greatest(0, $7::bigint - $8::int)::int,
                finished_time = least(now(), greatest(coalesce(start_time, $9::timestamptz), $9::timestamptz)),
                stop_time = CASE WHEN $3::varchar IN ('Terminated', 'Cancelled') THEN coalesce(stop_requested_at, now()) ELSE stop_time END,
                updated_at = now()
          WHERE record_id = $1 AND instance_id = $2
            AND (status = 'Running' OR (status = 'Error' AND error_code = 'AgentUnreachable'))
          RETURNING invoke_id`,
        [
          recordId,
          instanceId,
          outcome.status,
          outcome.exitCode ?? null,
          outcome.errorCode ?? '',
          (outcome.errorInfo ?? '').slice(0, 1024),
          outcome.outputBytes,
          OUTPUT_LIMIT_BYTES,
          outcome.finishedAt,
        ],
      );
      if (finished.length === 0) {
        await this.assertOwnRecord(manager, instanceId, recordId);
        return;
      }
      await this.invocations.refreshStatuses(manager, [finished[0].invoke_id]);
    });
  }

  /**
   * Appends the part of `data` (which starts at byte `offset` of the output) that the record
   * does not have yet: a retried piece whose first answer was lost adds only what is new.
   */
  private async writeOutput(manager: EntityManager, instanceId: string, recordId: string, offset: number, data: Buffer): Promise<boolean> {
    const room = OUTPUT_LIMIT_BYTES - offset;
    if (room <= 0 || data.length === 0) return true;
    const piece = data.subarray(0, room);
    const rows = await queryRows(manager,
      `UPDATE invocation_records
          SET output = output || substring($4::bytea from octet_length(output) - $3 + 1), updated_at = now()
        WHERE record_id = $1 AND instance_id = $2 AND status = 'Running'
          AND octet_length(output) >= $3 AND octet_length(output) < $3 + octet_length($4::bytea)
        RETURNING 1`,
      [recordId, instanceId, offset, piece],
    );
    return rows.length > 0;
  }

  /** Unknown to this agent — whether absent or another instance's — is NotFound, revealing nothing. */
  private async assertOwnRecord(manager: EntityManager, instanceId: string, recordId: string): Promise<void> {
    const rows: unknown[] = await manager.query(
      'SELECT 1 FROM invocation_records WHERE record_id = $1 AND instance_id = $2',
      [recordId, instanceId],
    );
    if (rows.length === 0) throw new ApiError('InvalidRecordId.NotFound', 'The specified record does not exist on this instance.', 404);
  }
}
