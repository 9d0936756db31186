import { Injectable } from '@nestjs/common';
import { AgentFinalStatus, OUTPUT_LIMIT_BYTES } from '@ca/protocol';
import { DataSource } from 'typeorm';
import { toApiError } from '../common/error-mapping';
import { queryRows } from '../database/query-rows';
import { InvocationsRepository } from '../invocations/invocations.repository';
import { operationsMetrics } from '../metrics/operations-metrics';

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
 * key checked again, which locked the invocation and deadlocked runs finishing together. The
 * rows are locked first, in record id order, as every statement that updates several records
 * does: two batches (or a batch and an agent's acknowledgements) cannot wait on each other.
 */
const RECORD_OUTCOMES = `
  WITH reported AS MATERIALIZED (
    SELECT record_id FROM invocation_records WHERE record_id = ANY($1::uuid[]) ORDER BY record_id FOR UPDATE)
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

interface Report {
  instanceId: string;
  recordId: string;
  outcome: TaskOutcome;
  resolve: (recorded: boolean) => void;
  reject: (error: unknown) => void;
}

/**
 * Records runs' outcomes. The reports that arrive within one turn of the event loop share one
 * transaction: one UPDATE for all their records, one status refresh per invocation, one commit.
 * Each answer still means "committed". Ten runs of one invocation finishing together in ten
 * transactions would queue for the invocation's row lock (each holding it across three round
 * trips and a commit), holding the connection pool while they queued.
 */
@Injectable()
export class OutcomeRecorder {
  private batch: Report[] = [];

  constructor(
    private readonly dataSource: DataSource,
    private readonly invocations: InvocationsRepository,
  ) {}

  /** True if this report set the outcome; false if the record is not this instance's Running run (already finished, or unknown). */
  record(instanceId: string, recordId: string, outcome: TaskOutcome): Promise<boolean> {
    return new Promise((resolve, reject) => {
      if (this.batch.length === 0) setImmediate(() => void this.flush());
      this.batch.push({ instanceId, recordId, outcome, resolve, reject });
    });
  }

  private async flush(): Promise<void> {
    const batch = this.batch;
    this.batch = [];
    // A report repeated within the batch (a retry racing the first) is recorded once.
    const unique = [...new Map(batch.map((r) => [`${r.instanceId}/${r.recordId}`, r])).values()];
    let recorded: Set<string>;
    try {
      recorded = await this.write(unique);
    } catch (error) {
      // One report the database refuses must not fail the others: each is tried on its own, so
      // only its own sender gets the error. (AgentActionsHandler validates every value first;
      // this is for whatever it did not foresee.) Not when the database is away: all would fail.
      if (unique.length === 1 || toApiError(error).code === 'ServiceUnavailable') {
        for (const report of batch) report.reject(error);
        return;
      }
      recorded = new Set();
      const failed = new Map<string, unknown>();
      for (const report of unique) {
        const key = `${report.instanceId}/${report.recordId}`;
        try {
          if ((await this.write([report])).has(key)) recorded.add(key);
        } catch (alone) {
          failed.set(key, alone);
        }
      }
      for (const report of batch) {
        const key = `${report.instanceId}/${report.recordId}`;
        if (failed.has(key)) report.reject(failed.get(key));
      }
      this.settle(unique, batch.filter((r) => !failed.has(`${r.instanceId}/${r.recordId}`)), recorded);
      return;
    }
    this.settle(unique, batch, recorded);
  }

  private settle(unique: Report[], batch: Report[], recorded: Set<string>): void {
    for (const report of unique) {
      if (recorded.has(`${report.instanceId}/${report.recordId}`)) operationsMetrics.recordsFinishedAs(report.outcome.status);
    }
    for (const report of batch) report.resolve(recorded.has(`${report.instanceId}/${report.recordId}`));
  }

  private write(unique: Report[]): Promise<Set<string>> {
    const pieces = unique.map((r) => r.outcome.output && outputPiece(r.outcome.output.offset, r.outcome.output.data));
    return this.dataSource.transaction(async (manager) => {
      const rows = await queryRows<{ instance_id: string; record_id: string; invoke_id: string }>(manager, RECORD_OUTCOMES, [
        unique.map((r) => r.recordId),
        unique.map((r) => r.instanceId),
        unique.map((r) => r.outcome.status),
        unique.map((r) => r.outcome.exitCode ?? null),
        unique.map((r) => r.outcome.errorCode ?? ''),
        unique.map((r) => (r.outcome.errorInfo ?? '').slice(0, 1024)),
        unique.map((r) => r.outcome.outputBytes),
        unique.map((r) => r.outcome.finishedAt),
        pieces.map((p) => p?.offset ?? 0),
        pieces.map((p) => p?.data ?? null),
        OUTPUT_LIMIT_BYTES,
      ]);
      await this.invocations.refreshStatuses(manager, rows.map((r) => r.invoke_id));
      return new Set(rows.map((r) => `${r.instance_id}/${r.record_id}`));
    });
  }
}
