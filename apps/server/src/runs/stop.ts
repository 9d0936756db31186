import type { SqlRunner } from '../database/sql';
import { recordsInLockOrder, refreshInvocationStatuses } from './lock-order';

/**
 * The invocation a StopInvocation names, held FOR KEY SHARE until the stop commits: that waits
 * for a fire in progress and keeps the firer (FOR UPDATE SKIP LOCKED) away, yet does not block
 * an outcome report that holds a record and wants the invocation FOR NO KEY UPDATE (holding the
 * row for update here would deadlock with such reports). Undefined if the region has no such
 * invocation.
 */
export async function holdInvocationForStop(tx: SqlRunner, regionId: string, invokeId: string): Promise<{ instanceIds: string[] } | undefined> {
  const { rows } = await tx.query<{ instance_ids: string[] }>('SELECT instance_ids FROM invocations WHERE region_id = $1 AND invoke_id = $2 FOR KEY SHARE', [
    regionId,
    invokeId,
  ]);
  return rows[0] && { instanceIds: rows[0].instance_ids };
}

/**
 * Stops an invocation's runs on `targets`, after `holdInvocationForStop`: runs not started
 * become Cancelled; running ones are flagged for their agents to kill (they report Terminated).
 * The targets join the invocation's stopped instances, which later fires skip; once all are
 * stopped the whole invocation is. Answers how many runs were cancelled.
 */
export async function stopRuns(tx: SqlRunner, invokeId: string, targets: readonly string[]): Promise<number> {
  await tx.query(recordsInLockOrder(`r.invoke_id = $1 AND r.instance_id = ANY($2) AND r.status IN ('Pending', 'Running')`), [invokeId, targets]);
  const { rowCount: cancelled } = await tx.query(
    `UPDATE invocation_records SET status = 'Cancelled', stop_time = now(), updated_at = now(),
            error_code = 'Cancelled', error_info = 'the invocation was stopped before this run started'
      WHERE invoke_id = $1 AND instance_id = ANY($2) AND status = 'Pending'`,
    [invokeId, targets],
  );
  await tx.query(
    `UPDATE invocation_records SET stop_requested_at = now(), updated_at = now()
      WHERE invoke_id = $1 AND instance_id = ANY($2) AND status = 'Running' AND stop_requested_at IS NULL`,
    [invokeId, targets],
  );
  // Computed from the row as updated, not as read: two partial stops at once (KEY SHARE does
  // not serialize them) each add their own instances.
  await tx.query(
    `UPDATE invocations
        SET stopped_instance_ids = ARRAY(SELECT DISTINCT unnest(stopped_instance_ids || $2::varchar[]) ORDER BY 1),
            stopped_at = CASE WHEN instance_ids <@ (stopped_instance_ids || $2::varchar[]) THEN coalesce(stopped_at, now()) ELSE stopped_at END,
            next_fire_at = CASE WHEN instance_ids <@ (stopped_instance_ids || $2::varchar[]) THEN NULL ELSE next_fire_at END,
            updated_at = now()
      WHERE invoke_id = $1`,
    [invokeId, targets],
  );
  await refreshInvocationStatuses(tx, [invokeId]);
  return cancelled;
}
