import type { SqlRunner } from '../database/sql';

/** Rows per DELETE: each statement is its own short transaction, holding few locks and little WAL. */
export const PURGE_BATCH = 1000;

/**
 * One batch of finished records created before `cutoff`. Read through the partial index
 * invocation_records_retention_idx (created_at of finished records), so Pending and Running
 * records are never even looked at; SKIP LOCKED lets several replicas purge side by side.
 */
export async function purgeRecordBatch(sql: SqlRunner, cutoff: Date, limit = PURGE_BATCH): Promise<number> {
  const { rowCount: deleted } = await sql.query(
    `DELETE FROM invocation_records WHERE record_id IN (
       SELECT record_id FROM invocation_records
        WHERE status NOT IN ('Pending', 'Running') AND created_at < $1
        ORDER BY created_at
        LIMIT $2
          FOR UPDATE SKIP LOCKED)`,
    [cutoff, limit],
  );
  return deleted;
}

/**
 * One batch of finished invocations created before `cutoff` that have no records left (their
 * records go first, in their own batches, so this never cascades into a large delete). A timed
 * invocation counts as finished only once it will never fire again: stopped, or its schedule
 * exhausted (no next fire time) with nothing in flight; while it is scheduled it stays.
 */
export async function purgeInvocationBatch(sql: SqlRunner, cutoff: Date, limit = PURGE_BATCH): Promise<number> {
  const { rowCount: deleted } = await sql.query(
    `DELETE FROM invocations WHERE invoke_id IN (
       SELECT i.invoke_id FROM invocations i
        WHERE i.created_at < $1
          AND i.next_fire_at IS NULL
          AND (i.status IN ('Success', 'Failed', 'PartialFailed', 'Stopped')
               OR (i.status = 'Scheduled' AND i.repeat_mode = 'Period'))
          AND NOT EXISTS (SELECT 1 FROM invocation_records r WHERE r.invoke_id = i.invoke_id)
        LIMIT $2
          FOR UPDATE SKIP LOCKED)`,
    [cutoff, limit],
  );
  return deleted;
}
