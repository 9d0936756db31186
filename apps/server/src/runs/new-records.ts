import type { SqlRunner } from '../database/sql';

/** The record statuses a run can be written with: queued, or settled at once by a fire. */
export type NewRecordStatus = 'Pending' | 'Skipped' | 'Missed' | 'Error';

export interface NewRecord {
  invokeId: string;
  instanceId: string;
  scheduledAt: Date;
  repeats: number;
  status: NewRecordStatus;
  errorCode: string;
  errorInfo: string;
}

/**
 * The one INSERT of run records. `source` is a query yielding the columns invoke_id,
 * instance_id, scheduled_at, repeats, status, error_code and error_info. A Pending record has no
 * finished time yet; any other status is final as written.
 *
 * A fire's records take `created_at` from the row's own clock, an invocation's first records
 * from their transaction's start. A fire's records are unique by (invocation, instance,
 * scheduled time), which is what makes a fire exactly-once: one committed by another process is
 * not written twice.
 */
export function insertRecordsFrom(source: string, options: { fire: boolean }): string {
  return `INSERT INTO invocation_records
                 (invoke_id, instance_id, scheduled_at, repeats, status, error_code, error_info, output,
                  finished_time, created_at, updated_at)
          SELECT n.invoke_id, n.instance_id, n.scheduled_at, n.repeats, n.status, n.error_code, n.error_info, '\\x'::bytea,
                 CASE WHEN n.status = 'Pending' THEN NULL ELSE now() END, ${options.fire ? 'clock_timestamp()' : 'now()'}, now()
            FROM (${source}) AS n${options.fire ? '\n          ON CONFLICT ON CONSTRAINT invocation_records_run_key DO NOTHING' : ''}`;
}

/** An invocation's first run: one Pending record per instance, due at `scheduledAt`. */
const INSERT_PENDING = insertRecordsFrom(
  `SELECT $1::varchar AS invoke_id, t.instance_id, $3::timestamptz AS scheduled_at, $4::int AS repeats,
          'Pending'::varchar AS status, ''::varchar AS error_code, ''::varchar AS error_info
     FROM unnest($2::varchar[]) AS t(instance_id)`,
  { fire: false },
);

export async function insertPendingRecords(tx: SqlRunner, invokeId: string, instanceIds: readonly string[], scheduledAt: Date, repeats: number): Promise<void> {
  await tx.query(INSERT_PENDING, [invokeId, instanceIds, scheduledAt, repeats]);
}

/** A fire's records, Pending or settled; those already written by an earlier fire are left alone. */
const INSERT_FIRED = insertRecordsFrom(
  `SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::timestamptz[], $4::int[], $5::varchar[], $6::varchar[], $7::varchar[])
            AS r(invoke_id, instance_id, scheduled_at, repeats, status, error_code, error_info)`,
  { fire: true },
);

export async function insertFiredRecords(tx: SqlRunner, records: readonly NewRecord[]): Promise<void> {
  if (records.length === 0) return;
  await tx.query(INSERT_FIRED, [
    records.map((r) => r.invokeId),
    records.map((r) => r.instanceId),
    records.map((r) => r.scheduledAt),
    records.map((r) => r.repeats),
    records.map((r) => r.status),
    records.map((r) => r.errorCode),
    records.map((r) => r.errorInfo),
  ]);
}
