import type { SqlRunner } from '../database/sql';
import { recordsInLockOrder, updateRecordsThenInvocations } from './lock-order';

/**
 * Runs no agent picked up within `deliveryTimeoutSeconds` become Aborted (DeliveryTimeout).
 * Records another writer holds right now are skipped: the sweep runs again shortly. Answers how
 * many it aborted.
 */
export async function abortUndeliveredRuns(tx: SqlRunner, deliveryTimeoutSeconds: number): Promise<number> {
  const aborted = await updateRecordsThenInvocations(
    tx,
    `UPDATE invocation_records
        SET status = 'Aborted', error_code = 'DeliveryTimeout', finished_time = now(), updated_at = now(),
            error_info = 'no agent picked the command up within ' || $1 || ' seconds'
      WHERE status = 'Pending'
        AND record_id IN (${recordsInLockOrder(`r.status = 'Pending' AND r.created_at < now() - make_interval(secs => $1)`, {
          skipLocked: true,
        })})
      RETURNING invoke_id`,
    [deliveryTimeoutSeconds],
  );
  return aborted.length;
}

/**
 * Runs Running longer than their timeout plus `graceSeconds` on an instance whose agent has not
 * heartbeaten for `graceSeconds` become Error (AgentUnreachable), until the agent reports
 * otherwise. Answers how many.
 */
export async function markUnreachableRuns(tx: SqlRunner, graceSeconds: number): Promise<number> {
  const lost = await updateRecordsThenInvocations(
    tx,
    `UPDATE invocation_records
        SET status = 'Error', error_code = 'AgentUnreachable', finished_time = now(), updated_at = now(),
            error_info = 'the agent has not reported this run long after its timeout'
      WHERE status = 'Running'
        AND record_id IN (${recordsInLockOrder(
          `r.status = 'Running'
             AND r.start_time < now() - make_interval(secs => i.timeout + $1)
             AND (n.last_heartbeat_at IS NULL OR n.last_heartbeat_at < now() - make_interval(secs => $1))`,
          {
            from: `invocation_records r
                     JOIN invocations i ON i.invoke_id = r.invoke_id
                     JOIN instances n ON n.instance_id = r.instance_id`,
            skipLocked: true,
          },
        )})
      RETURNING invoke_id`,
    [graceSeconds],
  );
  return lost.length;
}
