import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { AgentTask, REDELIVER_AFTER_SECONDS } from '@ca/protocol';
import { InvocationsRepository } from '../invocations/invocations.repository';
import { Sql } from '../database/sql';
import { operationsMetrics } from '../metrics/operations-metrics';
import { DispatchNotifier } from '../database/dispatch-notifier';

const MAX_TASKS_PER_POLL = 50;

export interface ClaimedWork {
  Tasks: AgentTask[];
  StopRecordIds: string[];
  /** A stop requested in the last two seconds: worth answering a poll at once. */
  freshStop: boolean;
  /** What `release` needs to hand these tasks back, should the answer never reach the agent. */
  claims: RunClaim[];
}

/** One delivery of one run: `deliveredAt` (PostgreSQL's text, to the microsecond) tells it from a later one. */
export interface RunClaim {
  recordId: string;
  deliveredAt: string;
}

interface WorkRow {
  kind: 'task' | 'stop';
  instance_id: string;
  record_id: string;
  invoke_id: string | null;
  command_type: AgentTask['CommandType'];
  command_content: Buffer;
  working_dir: string;
  username: string;
  timeout: number;
  fresh: boolean;
  /** When the run was written: delivery latency starts there. */
  created_at: Date;
  delivered_at: string | null;
}

/**
 * The runs the agents of a batch acknowledged ($1/$2: instance/record pairs): not to be
 * delivered again. Its own statement, before the claim: in one statement PostgreSQL may run the
 * parts in any order, and a claim locking an invocation before the acknowledged record would
 * deadlock with that run's outcome report (record, then invocation). The rows are locked in
 * record id order, as every statement that updates several records does: an
 * agent acknowledging a run while reporting it finished put the two batches in each other's way.
 */
const ACKNOWLEDGE = {
  name: 'dispatch_acknowledge',
  text: `WITH acked AS MATERIALIZED (
           SELECT r.record_id FROM invocation_records r
             JOIN unnest($1::text[], $2::uuid[]) AS a(instance_id, record_id)
               ON r.instance_id = a.instance_id AND r.record_id = a.record_id
            WHERE r.acked_at IS NULL
            ORDER BY r.record_id
              FOR UPDATE OF r)
         UPDATE invocation_records r SET acked_at = now()
           FROM acked WHERE r.record_id = acked.record_id AND r.acked_at IS NULL`,
};

/**
 * One statement for every poll in the batch ($1: their instances): claim each instance's due
 * runs (at most $3, oldest first), then list them and the stops pending for those instances
 * (kind = 'stop'). Locks records before invocations, as every other writer does, and the
 * invocations in sorted order, as the status refresh does: two claims (or a claim and an
 * outcome report) touching the same invocations cannot wait on each other in a cycle.
 */
const CLAIM_WORK = {
  name: 'dispatch_claim_work',
  text: `WITH picked AS (
         UPDATE invocation_records
            SET status = 'Running', start_time = coalesce(start_time, now()), delivered_at = now(), updated_at = now()
          WHERE record_id IN (
                SELECT due.record_id
                  FROM unnest($1::text[]) AS q(instance_id)
                 CROSS JOIN LATERAL (
                       SELECT record_id FROM invocation_records
                        WHERE instance_id = q.instance_id
                          AND (status = 'Pending'
                               OR (status = 'Running' AND acked_at IS NULL AND delivered_at < now() - make_interval(secs => $2)))
                        ORDER BY created_at
                        LIMIT $3
                          FOR UPDATE SKIP LOCKED) due)
          RETURNING instance_id, record_id, invoke_id, created_at, delivered_at),
       running AS (
         UPDATE invocations SET status = 'Running', updated_at = now()
          WHERE status IN ('Pending', 'Scheduled')
            AND invoke_id IN (SELECT invoke_id FROM invocations
                               WHERE invoke_id IN (SELECT invoke_id FROM picked) AND status IN ('Pending', 'Scheduled')
                               ORDER BY invoke_id
                                 FOR NO KEY UPDATE))
       (SELECT 'task' AS kind, p.instance_id, p.record_id, i.invoke_id, i.command_type, i.command_content, i.working_dir,
               i.username, i.timeout, false AS fresh, p.created_at, p.delivered_at::text
          FROM picked p JOIN invocations i ON i.invoke_id = p.invoke_id)
       UNION ALL
       (SELECT 'stop', instance_id, record_id, NULL, NULL, NULL, NULL, NULL, NULL,
               stop_requested_at > now() - interval '2 seconds', created_at, NULL
          FROM invocation_records
         WHERE instance_id = ANY($1::text[]) AND status = 'Running' AND stop_requested_at IS NOT NULL)
       ORDER BY created_at`,
};

/**
 * Hands back runs whose answer never reached their agent ($1: instance; $2/$3: record ids and
 * the delivery each claim made): Pending again, as if never delivered — StartTime too, when that
 * delivery set it. A run delivered again since, or acknowledged, is left alone. Rows locked in
 * record id order.
 */
const RELEASE = `WITH claimed AS MATERIALIZED (
                   SELECT record_id FROM invocation_records
                    WHERE instance_id = $1 AND record_id = ANY($2::uuid[])
                    ORDER BY record_id
                      FOR UPDATE)
                 UPDATE invocation_records r
                    SET status = 'Pending', delivered_at = NULL, updated_at = now(),
                        start_time = CASE WHEN r.start_time = r.delivered_at THEN NULL ELSE r.start_time END
                   FROM unnest($2::uuid[], $3::timestamptz[]) AS c(record_id, delivered_at)
                  WHERE r.instance_id = $1 AND r.record_id = c.record_id AND r.delivered_at = c.delivered_at
                    AND r.status = 'Running' AND r.acked_at IS NULL
                    AND r.record_id IN (SELECT record_id FROM claimed)
              RETURNING r.invoke_id`;

interface Claim {
  instanceId: string;
  acks: string[];
  resolve: (work: ClaimedWork) => void;
  reject: (error: unknown) => void;
}

/**
 * Hands instances their due runs and claims them (a delivered run is Running, StartTime set, and
 * its invocation too; one delivered but never acknowledged goes out again after
 * REDELIVER_AFTER_SECONDS). The polls that ask within one turn of the event loop — a
 * notification for a hundred instances wakes a hundred polls at once — share one statement:
 * one round trip and one transaction instead of a hundred, and every answer of a fan-out leaves
 * before any agent's next request competes with them. Named statements: PostgreSQL plans them
 * once per connection (planning the single-instance claim took 4× its execution).
 */
@Injectable()
export class WorkClaims implements OnModuleDestroy {
  private readonly logger = new Logger(WorkClaims.name);
  private batch: Claim[] = [];
  /** Claims and releases under way: shutdown lets them finish before the database closes. */
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly sql: Sql,
    private readonly invocations: InvocationsRepository,
    private readonly notifier: DispatchNotifier,
  ) {}

  /**
   * A claim finishing now may belong to a poll whose connection was cut by the drain: its
   * release starts when the claim resolves, so wait for the claims first, then the releases.
   */
  async onModuleDestroy(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** This instance's work, with `acks` (its runs received from the previous answer) acknowledged first. */
  claim(instanceId: string, acks: readonly string[]): Promise<ClaimedWork> {
    return new Promise((resolve, reject) => {
      if (this.batch.length === 0) setImmediate(() => this.track(this.flush()));
      this.batch.push({ instanceId, acks: [...acks], resolve, reject });
    });
  }

  private async flush(): Promise<void> {
    const batch = this.batch;
    this.batch = [];
    const instanceIds = [...new Set(batch.map((c) => c.instanceId))];
    const acked = batch.flatMap((c) => c.acks.map((recordId) => [c.instanceId, recordId]));
    let rows: WorkRow[];
    try {
      if (acked.length > 0) await this.sql.query(ACKNOWLEDGE, [acked.map(([i]) => i), acked.map(([, r]) => r)]);
      rows = (await this.sql.query<WorkRow>(CLAIM_WORK, [instanceIds, REDELIVER_AFTER_SECONDS, MAX_TASKS_PER_POLL])).rows;
    } catch (error) {
      for (const claim of batch) claim.reject(error);
      return;
    }
    // Two polls of one instance in a batch (an agent that reconnected while its old poll was
    // still open): the runs go to one of them, the stops to both.
    const byInstance = new Map<string, WorkRow[]>();
    for (const row of rows) byInstance.set(row.instance_id, [...(byInstance.get(row.instance_id) ?? []), row]);
    operationsMetrics.observeDelivery(rows.filter((r) => r.kind === 'task').map((r) => r.created_at));
    const tasksGiven = new Set<string>();
    for (const claim of batch) {
      const mine = byInstance.get(claim.instanceId) ?? [];
      const tasks = tasksGiven.has(claim.instanceId) ? [] : mine.filter((r) => r.kind === 'task');
      tasksGiven.add(claim.instanceId);
      const stops = mine.filter((r) => r.kind === 'stop');
      claim.resolve({
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
        claims: tasks.map((t) => ({ recordId: t.record_id, deliveredAt: t.delivered_at! })),
      });
    }
  }

  /**
   * Returns runs claimed for an answer that never left (the agent's connection closed first) to
   * Pending and wakes the instance's polls on every replica: the agent, reconnecting anywhere,
   * gets them at once instead of after REDELIVER_AFTER_SECONDS. Only such runs: an answer that
   * was written may have reached the agent, which may be running them already.
   */
  release(instanceId: string, claims: readonly RunClaim[]): Promise<void> {
    const work = this.sql
      .transaction(async (tx) => {
        const { rows: released } = await tx.query<{ invoke_id: string }>(RELEASE, [
          instanceId,
          claims.map((c) => c.recordId),
          claims.map((c) => c.deliveredAt),
        ]);
        if (released.length === 0) return;
        await this.invocations.refreshStatuses(tx, released.map((r) => r.invoke_id));
        await this.notifier.notify(tx, [instanceId]);
        this.logger.log(`released ${released.length} run(s) of ${instanceId} whose delivery did not reach the agent`);
      })
      .catch((error: Error) => {
        // They go out again after REDELIVER_AFTER_SECONDS, as any unacknowledged delivery does.
        this.logger.warn(`releasing undelivered runs of ${instanceId} failed: ${error.message}`);
      });
    this.track(work);
    return work;
  }

  private track(work: Promise<unknown>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }
}
