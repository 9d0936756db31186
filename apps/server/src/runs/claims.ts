import type { AgentTask } from '@ca/protocol';
import type { SqlRunner } from '../database/sql';
import { invocationsInLockOrder, recordsInLockOrder, updateRecordsThenInvocations } from './lock-order';

/** One row of a claim's answer: a run handed to its instance, or a stop pending there. */
export interface WorkRow {
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
  /** PostgreSQL's text, to the microsecond: tells this delivery from a later one. */
  delivered_at: string | null;
}

/**
 * The runs the agents acknowledged ($1/$2: instance/record pairs): not to be delivered again.
 * Its own statement, before the claim: within one statement PostgreSQL may run the parts in any
 * order, and a claim locking an invocation before an acknowledged record would break the lock
 * order.
 */
const ACKNOWLEDGE = {
  name: 'dispatch_acknowledge',
  text: `WITH acked AS MATERIALIZED (
           ${recordsInLockOrder('r.acked_at IS NULL', {
             from: `invocation_records r
                      JOIN unnest($1::text[], $2::uuid[]) AS a(instance_id, record_id)
                        ON r.instance_id = a.instance_id AND r.record_id = a.record_id`,
           })})
         UPDATE invocation_records r SET acked_at = now()
           FROM acked WHERE r.record_id = acked.record_id AND r.acked_at IS NULL`,
};

/**
 * One statement for every poll of a batch ($1: their instances): claims each instance's due
 * runs (at most $3, oldest first; SKIP LOCKED, so a claim never waits on a record), makes their
 * invocations Running, then lists the runs and the stops pending for those instances.
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
            AND invoke_id IN (${invocationsInLockOrder(`invoke_id IN (SELECT invoke_id FROM picked) AND status IN ('Pending', 'Scheduled')`)}))
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
 * delivery set it. A run delivered again since, or acknowledged, is left alone.
 */
const RELEASE = `WITH claimed AS MATERIALIZED (
                   ${recordsInLockOrder('r.instance_id = $1 AND r.record_id = ANY($2::uuid[])')})
                 UPDATE invocation_records r
                    SET status = 'Pending', delivered_at = NULL, updated_at = now(),
                        start_time = CASE WHEN r.start_time = r.delivered_at THEN NULL ELSE r.start_time END
                   FROM unnest($2::uuid[], $3::timestamptz[]) AS c(record_id, delivered_at)
                  WHERE r.instance_id = $1 AND r.record_id = c.record_id AND r.delivered_at = c.delivered_at
                    AND r.status = 'Running' AND r.acked_at IS NULL
                    AND r.record_id IN (SELECT record_id FROM claimed)
              RETURNING r.invoke_id`;

/** Marks these deliveries acknowledged: their agents have them. */
export async function acknowledgeRuns(sql: SqlRunner, acked: ReadonlyArray<{ instanceId: string; recordId: string }>): Promise<void> {
  if (acked.length === 0) return;
  await sql.query(ACKNOWLEDGE, [acked.map((a) => a.instanceId), acked.map((a) => a.recordId)]);
}

/**
 * Claims the due runs of these instances (at most `perInstance` each; an unacknowledged delivery
 * older than `redeliverAfterSeconds` is due again) and lists them with the pending stops.
 */
export async function claimDueRuns(sql: SqlRunner, instanceIds: readonly string[], redeliverAfterSeconds: number, perInstance: number): Promise<WorkRow[]> {
  return (await sql.query<WorkRow>(CLAIM_WORK, [instanceIds, redeliverAfterSeconds, perInstance])).rows;
}

/** Makes these deliveries Pending again; answers how many were. */
export async function releaseRuns(tx: SqlRunner, instanceId: string, claims: ReadonlyArray<{ recordId: string; deliveredAt: string }>): Promise<number> {
  const released = await updateRecordsThenInvocations(tx, RELEASE, [instanceId, claims.map((c) => c.recordId), claims.map((c) => c.deliveredAt)]);
  return released.length;
}
