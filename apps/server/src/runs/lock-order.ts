import type { SqlRunner } from '../database/sql';
import { deriveInvocationStatus, RecordStatus } from './invocation-status';
import { operationsMetrics } from '../metrics/operations-metrics';

/**
 * The lock order of every write to run records: first the records, in record id order, then
 * their invocations, in invoke id order. Writers that all take their locks in this one order
 * can never wait on each other in a cycle (an agent's acknowledgements, its outcome reports, a
 * claim, a stop and the sweeps all meet on the same rows). The statements in this folder build
 * their locking steps with these helpers instead of spelling the order out.
 */

/**
 * The locking step for the records a statement will update: `SELECT r.record_id … ORDER BY
 * r.record_id FOR UPDATE OF r`, as a subquery or a MATERIALIZED CTE body. `from` may join other
 * tables to `invocation_records r`; `skipLocked` leaves rows another writer holds (for sweeps
 * that run again shortly).
 */
export function recordsInLockOrder(where: string, options: { from?: string; skipLocked?: boolean } = {}): string {
  return `SELECT r.record_id FROM ${options.from ?? 'invocation_records r'}
           WHERE ${where}
           ORDER BY r.record_id
             FOR UPDATE OF r${options.skipLocked ? ' SKIP LOCKED' : ''}`;
}

/**
 * The locking step for invocations whose status a statement changes, after its records:
 * `FOR NO KEY UPDATE`, which a StopInvocation's `FOR KEY SHARE` does not block.
 */
export function invocationsInLockOrder(where: string): string {
  return `SELECT invoke_id FROM invocations
           WHERE ${where}
           ORDER BY invoke_id
             FOR NO KEY UPDATE`;
}

/**
 * Runs a statement that updates records (locking them with `recordsInLockOrder`) and returns
 * `invoke_id`, then re-derives the statuses of the invocations it touched: the second half of
 * the lock order. Every multi-record write that can change an invocation's status goes
 * through here.
 */
export async function updateRecordsThenInvocations<T extends { invoke_id: string }>(
  tx: SqlRunner,
  statement: string,
  values: readonly unknown[],
): Promise<T[]> {
  const { rows } = await tx.query<T>(statement, values);
  await refreshInvocationStatuses(
    tx,
    rows.map((r) => r.invoke_id),
  );
  return rows;
}

/**
 * Re-derives the overall status of invocations from their records. Each invocation row is
 * locked before its records are read, so two writers finishing runs at once cannot both write
 * a stale status; one at a time, in invoke id order.
 */
export async function refreshInvocationStatuses(tx: SqlRunner, invokeIds: Iterable<string>): Promise<void> {
  for (const invokeId of [...new Set(invokeIds)].sort()) {
    const {
      rows: [invocation],
    } = await tx.query<{ repeat_mode: string; stopped_at: Date | null; status: string }>(
      'SELECT repeat_mode, stopped_at, status FROM invocations WHERE invoke_id = $1 FOR NO KEY UPDATE',
      [invokeId],
    );
    if (!invocation) continue;
    const { rows } = await tx.query<{ status: RecordStatus }>('SELECT DISTINCT status FROM invocation_records WHERE invoke_id = $1', [invokeId]);
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
