import { Injectable } from '@nestjs/common';
import { isDatabaseUnavailable } from '../database/database-unavailable';
import { MicroBatcher, Rejected } from '../database/micro-batcher';
import { Sql } from '../database/sql';
import { operationsMetrics } from '../metrics/operations-metrics';
import { recordOutcomes, ReportedOutcome, TaskOutcome } from '../runs/outcomes';

const keyOf = (report: { instanceId: string; recordId: string }): string => `${report.instanceId}/${report.recordId}`;

/**
 * Records runs' outcomes. The reports that arrive within one turn of the event loop share one
 * transaction: one UPDATE for all their records, one status refresh per invocation, one commit.
 * Each answer still means "committed". Runs of one invocation finishing together then do not
 * queue one transaction each for the invocation's row lock, holding pool connections as they wait.
 */
@Injectable()
export class OutcomeRecorder {
  private readonly batcher = new MicroBatcher<ReportedOutcome, boolean>({ schedule: 'tick', run: (reports) => this.recordBatch(reports) });

  constructor(private readonly sql: Sql) {}

  /** True if this report set the outcome; false if the record is not this instance's Running run (already finished, or unknown). */
  record(instanceId: string, recordId: string, outcome: TaskOutcome): Promise<boolean> {
    return this.batcher.add({ instanceId, recordId, outcome });
  }

  private async recordBatch(batch: ReportedOutcome[]): Promise<Array<boolean | Rejected>> {
    // A report repeated within the batch (a retry racing the first) is recorded once.
    const unique = [...new Map(batch.map((r) => [keyOf(r), r])).values()];
    const failed = new Map<string, Rejected>();
    let recorded: Set<string>;
    try {
      recorded = await this.write(unique);
    } catch (error) {
      // One report the database refuses must not fail the others: each is tried on its own, so
      // only its own sender gets the error. (AgentActionsHandler validates every value first;
      // this is for whatever it did not foresee.) Not when the database is away: all would fail.
      if (unique.length === 1 || isDatabaseUnavailable(error)) throw error;
      recorded = new Set();
      for (const report of unique) {
        try {
          if ((await this.write([report])).has(keyOf(report))) recorded.add(keyOf(report));
        } catch (alone) {
          failed.set(keyOf(report), new Rejected(alone));
        }
      }
    }
    for (const report of unique) if (recorded.has(keyOf(report))) operationsMetrics.recordsFinishedAs(report.outcome.status);
    return batch.map((report) => failed.get(keyOf(report)) ?? recorded.has(keyOf(report)));
  }

  private write(unique: ReportedOutcome[]): Promise<Set<string>> {
    return this.sql.transaction(async (tx) => new Set((await recordOutcomes(tx, unique)).map(keyOf)));
  }
}
