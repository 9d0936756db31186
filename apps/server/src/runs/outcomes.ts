import { AgentFinalStatus, OUTPUT_LIMIT_BYTES } from '@ca/protocol';
import type { SqlRunner } from '../database/sql';
import { recordsInLockOrder, updateRecordsThenInvocations } from './lock-order';

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

/** What of `data` (output from byte `offset` on) falls within the kept OUTPUT_LIMIT_BYTES; undefined if nothing. */
export function outputPiece(offset: number, data: Buffer): { offset: number; data: Buffer } | undefined {
  const room = OUTPUT_LIMIT_BYTES - offset;
  if (room <= 0 || data.length === 0) return undefined;
  return { offset, data: data.subarray(0, room) };
}

/**
 * Every outcome of the batch in one statement, each scoped to its reporter's instance: its last
 * output appended (while Running, at its offset) and its final status. The first outcome wins;
 * a run the service gave up on as unreachable still takes the agent's true outcome. As one
 * UPDATE per row (not output, then status): a row updated twice in a transaction has its foreign
 * key checked again, which locked the invocation and deadlocked runs finishing together.
 */
const RECORD_OUTCOMES = `
  WITH reported AS MATERIALIZED (
    ${recordsInLockOrder('r.record_id = ANY($1::uuid[])')})
  UPDATE invocation_records r
     SET output = CASE WHEN r.status = 'Running' AND o.piece IS NOT NULL
                            AND octet_length(r.output) >= o.piece_offset AND octet_length(r.output) < o.piece_offset + octet_length(o.piece)
                       THEN r.output || substring(o.piece from octet_length(r.output) - o.piece_offset + 1)
                       ELSE r.output END,
         status = o.status, exit_code = o.exit_code, error_code = o.error_code, error_info = o.error_info,
         dropped = greatest(0, o.output_bytes - $11::int)::int,
         finished_time = least(now(), greatest(coalesce(r.start_time, o.finished_at), o.finished_at)),
         stop_time = CASE WHEN o.status IN ('Terminated', 'Cancelled') THEN coalesce(r.stop_requested_at, now()) ELSE r.stop_time END,
         updated_at = now()
    FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::bigint[], $8::timestamptz[], $9::int[], $10::bytea[])
         AS o(record_id, instance_id, status, exit_code, error_code, error_info, output_bytes, finished_at, piece_offset, piece)
   WHERE r.record_id = o.record_id AND r.instance_id = o.instance_id
     AND r.record_id IN (SELECT record_id FROM reported)
     AND (r.status = 'Running' OR (r.status = 'Error' AND r.error_code = 'AgentUnreachable'))
  RETURNING r.instance_id, r.record_id, r.invoke_id`;

/** One agent's report of how its run ended. */
export interface ReportedOutcome {
  instanceId: string;
  recordId: string;
  outcome: TaskOutcome;
}

/**
 * Writes a batch of outcomes (one per record) and the statuses of their invocations; answers
 * the reports that set their run's outcome.
 */
export async function recordOutcomes(tx: SqlRunner, reports: readonly ReportedOutcome[]): Promise<Array<{ instanceId: string; recordId: string }>> {
  const pieces = reports.map((r) => r.outcome.output && outputPiece(r.outcome.output.offset, r.outcome.output.data));
  const rows = await updateRecordsThenInvocations<{ instance_id: string; record_id: string; invoke_id: string }>(tx, RECORD_OUTCOMES, [
    reports.map((r) => r.recordId),
    reports.map((r) => r.instanceId),
    reports.map((r) => r.outcome.status),
    reports.map((r) => r.outcome.exitCode ?? null),
    reports.map((r) => r.outcome.errorCode ?? ''),
    reports.map((r) => (r.outcome.errorInfo ?? '').slice(0, 1024)),
    reports.map((r) => r.outcome.outputBytes),
    reports.map((r) => r.outcome.finishedAt),
    pieces.map((p) => p?.offset ?? 0),
    pieces.map((p) => p?.data ?? null),
    OUTPUT_LIMIT_BYTES,
  ]);
  return rows.map((r) => ({ instanceId: r.instance_id, recordId: r.record_id }));
}

/**
 * Appends the part of `data` (which starts at byte `offset` of the output) that a Running record
 * of this instance does not have yet: a retried piece whose first answer was lost adds only what
 * is new. False if no such record took it.
 */
export async function appendOutput(sql: SqlRunner, instanceId: string, recordId: string, offset: number, data: Buffer): Promise<boolean> {
  const piece = outputPiece(offset, data);
  if (!piece) return true;
  const { rowCount } = await sql.query(
    `UPDATE invocation_records
        SET output = output || substring($4::bytea from octet_length(output) - $3 + 1), updated_at = now()
      WHERE record_id = $1 AND instance_id = $2 AND status = 'Running'
        AND octet_length(output) >= $3 AND octet_length(output) < $3 + octet_length($4::bytea)`,
    [recordId, instanceId, piece.offset, piece.data],
  );
  return rowCount > 0;
}

/** True if the record exists and is this instance's. */
export async function isOwnRecord(sql: SqlRunner, instanceId: string, recordId: string): Promise<boolean> {
  const { rows } = await sql.query('SELECT 1 FROM invocation_records WHERE record_id = $1 AND instance_id = $2', [recordId, instanceId]);
  return rows.length > 0;
}
