import { Injectable } from '@nestjs/common';
import { toApiError } from '../common/error-mapping';
import { Sql } from '../database/sql';
import { operationsMetrics } from '../metrics/operations-metrics';
import { recordOutcomes, TaskOutcome } from '../runs/outcomes';

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
 * Each answer still means "committed". Ten runs of one invocation finishing together used to be
 * ten transactions queueing for the invocation's row lock (each holding it across three round
 * trips and a commit), and they held the connection pool while they queued.
 */
@Injectable()
export class OutcomeRecorder {
  private batch: Report[] = [];

  constructor(
    private readonly sql: Sql,
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
    return this.sql.transaction(async (tx) => {
      const recorded = await recordOutcomes(tx, unique);
      return new Set(recorded.map((r) => `${r.instanceId}/${r.recordId}`));
    });
  }

}
