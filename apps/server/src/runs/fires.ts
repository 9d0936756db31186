import type { SqlRunner } from '../database/sql';
import type { MisfirePolicy } from './invocation-status';
import { insertFiredRecords, NewRecord } from './new-records';

/** A timed invocation due to fire, as the firer claimed it. */
export interface DueInvocation {
  invoke_id: string;
  instance_ids: string[];
  /** Instances a StopInvocation with InstanceId.N named: no longer fired on. */
  stopped_instance_ids: string[];
  frequency: string;
  time_zone: string;
  misfire_policy: MisfirePolicy | null;
  next_fire_at: Date;
  created_at: Date;
  fire_count: number;
}

/** Where a fired invocation's schedule goes next: null when it never fires again. */
export interface FireAdvance {
  invokeId: string;
  nextFireAt: Date | null;
  fireCount: number;
}

/**
 * Claims up to `limit` due timed invocations, earliest first, with the database's clock: FOR
 * UPDATE SKIP LOCKED, so each is fired by one process at a time and a process killed mid-way
 * rolls back for another to fire it.
 */
export async function claimDueInvocations(tx: SqlRunner, limit: number): Promise<{ due: DueInvocation[]; now: Date }> {
  const { rows: due } = await tx.query<DueInvocation>(
    `SELECT invoke_id, instance_ids, stopped_instance_ids, frequency, time_zone, misfire_policy, next_fire_at, created_at, fire_count
       FROM invocations
      WHERE next_fire_at <= now()
      ORDER BY next_fire_at
      LIMIT $1
        FOR UPDATE SKIP LOCKED`,
    [limit],
  );
  if (due.length === 0) return { due, now: new Date() };
  const {
    rows: [{ now }],
  } = await tx.query<{ now: Date }>('SELECT now() AS now');
  return { due, now };
}

/** "invoke instance" pairs whose previous run is still Pending or Running: a fire on them overlaps. */
export async function unfinishedRuns(tx: SqlRunner, invokeIds: readonly string[]): Promise<Set<string>> {
  const { rows } = await tx.query<{ invoke_id: string; instance_id: string }>(
    `SELECT DISTINCT invoke_id, instance_id FROM invocation_records
      WHERE invoke_id = ANY($1) AND status IN ('Pending', 'Running')`,
    [invokeIds],
  );
  return new Set(rows.map((r) => `${r.invoke_id} ${r.instance_id}`));
}

/**
 * Writes a batch of fires: their records, the invocations' next fire times and counts, and
 * Running for the invocations a fire queued work for (skips and misses do not).
 */
export async function writeFires(tx: SqlRunner, records: readonly NewRecord[], advances: readonly FireAdvance[]): Promise<void> {
  await insertFiredRecords(tx, records);
  await tx.query(
    // `= ANY($1)` as well as the join: it steers the planner to the primary key, never to a
    // scan of every schedule.
    `UPDATE invocations i SET next_fire_at = a.next_fire_at, fire_count = a.fire_count, updated_at = now()
       FROM unnest($1::varchar[], $2::timestamptz[], $3::int[]) AS a(invoke_id, next_fire_at, fire_count)
      WHERE i.invoke_id = a.invoke_id AND i.invoke_id = ANY($1)`,
    [advances.map((a) => a.invokeId), advances.map((a) => a.nextFireAt), advances.map((a) => a.fireCount)],
  );
  const withWork = [...new Set(records.filter((r) => r.status === 'Pending').map((r) => r.invokeId))];
  if (withWork.length > 0) {
    await tx.query(`UPDATE invocations SET status = 'Running' WHERE invoke_id = ANY($1) AND status = 'Scheduled'`, [withWork]);
  }
}

/** Milliseconds until the earliest next fire by the database's clock, or null when none is scheduled. */
export async function msUntilNextFire(sql: SqlRunner): Promise<number | null> {
  const {
    rows: [row],
  } = await sql.query<{ ms: number | null }>(
    `SELECT (EXTRACT(EPOCH FROM (min(next_fire_at) - clock_timestamp())) * 1000)::float8 AS ms
       FROM invocations WHERE next_fire_at IS NOT NULL`,
  );
  return row.ms === null ? null : Number(row.ms);
}
