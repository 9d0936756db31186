import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { AgentTask, REDELIVER_AFTER_SECONDS } from '@ca/protocol';
import { Sql } from '../database/sql';
import { operationsMetrics } from '../metrics/operations-metrics';
import { DispatchNotifier } from '../database/dispatch-notifier';
import { MicroBatcher } from '../database/micro-batcher';
import { acknowledgeRuns, claimDueRuns, releaseRuns, WorkRow } from '../runs/claims';

const MAX_TASKS_PER_POLL = 50;

export interface ClaimedWork {
  Tasks: AgentTask[];
  StopRecordIds: string[];
  /** A stop requested in the last two seconds: worth answering a poll at once. */
  freshStop: boolean;
  /** What `release` needs to hand these tasks back, should the answer never reach the agent. */
  claims: RunClaim[];
}

/** One delivery of one run: `deliveredAt` (PostgreSQL's text, to the microsecond) tells it from a later one. */
export interface RunClaim {
  recordId: string;
  deliveredAt: string;
}

interface ClaimRequest {
  instanceId: string;
  acks: string[];
}

/**
 * Hands instances their due runs and claims them (a delivered run is Running, StartTime set, and
 * its invocation too; one delivered but never acknowledged goes out again after
 * REDELIVER_AFTER_SECONDS). The polls that ask within one turn of the event loop — a
 * notification for a hundred instances wakes a hundred polls at once — share one statement:
 * one round trip and one transaction instead of a hundred, and every answer of a fan-out leaves
 * before any agent's next request competes with them. Named statements: PostgreSQL plans them
 * once per connection (planning the single-instance claim took 4× its execution).
 */
@Injectable()
export class WorkClaims implements OnModuleDestroy {
  private readonly logger = new Logger(WorkClaims.name);
  private readonly batcher = new MicroBatcher<ClaimRequest, ClaimedWork>({ schedule: 'tick', run: (batch) => this.claimBatch(batch) });
  /** Releases under way: shutdown lets them finish before the database closes. */
  private readonly releasing = new Set<Promise<void>>();

  constructor(
    private readonly sql: Sql,
    private readonly notifier: DispatchNotifier,
  ) {}

  /**
   * A claim finishing now may belong to a poll whose connection was cut by the drain: its
   * release starts when the claim resolves, so wait for the claims first, then the releases.
   */
  async onModuleDestroy(): Promise<void> {
    await this.batcher.drain();
    // The polls answered last start their releases once their callers resume: let them.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.releasing.size > 0) await Promise.allSettled([...this.releasing]);
  }

  /** This instance's work, with `acks` (its runs received from the previous answer) acknowledged first. */
  claim(instanceId: string, acks: readonly string[]): Promise<ClaimedWork> {
    return this.batcher.add({ instanceId, acks: [...acks] });
  }

  private async claimBatch(batch: ClaimRequest[]): Promise<ClaimedWork[]> {
    const instanceIds = [...new Set(batch.map((c) => c.instanceId))];
    await acknowledgeRuns(
      this.sql,
      batch.flatMap((c) => c.acks.map((recordId) => ({ instanceId: c.instanceId, recordId }))),
    );
    const rows = await claimDueRuns(this.sql, instanceIds, REDELIVER_AFTER_SECONDS, MAX_TASKS_PER_POLL);
    // Two polls of one instance in a batch (an agent that reconnected while its old poll was
    // still open): the runs go to one of them, the stops to both.
    const byInstance = new Map<string, WorkRow[]>();
    for (const row of rows) byInstance.set(row.instance_id, [...(byInstance.get(row.instance_id) ?? []), row]);
    operationsMetrics.observeDelivery(rows.filter((r) => r.kind === 'task').map((r) => r.created_at));
    const tasksGiven = new Set<string>();
    return batch.map((claim) => {
      const mine = byInstance.get(claim.instanceId) ?? [];
      const tasks = tasksGiven.has(claim.instanceId) ? [] : mine.filter((r) => r.kind === 'task');
      tasksGiven.add(claim.instanceId);
      const stops = mine.filter((r) => r.kind === 'stop');
      return {
        Tasks: tasks.map((t) => ({
          RecordId: t.record_id,
          InvokeId: t.invoke_id!,
          CommandType: t.command_type,
          CommandContent: t.command_content.toString('base64'),
          WorkingDir: t.working_dir,
          Username: t.username,
          TimeoutSeconds: t.timeout,
        })),
        StopRecordIds: stops.map((s) => s.record_id),
        freshStop: stops.some((s) => s.fresh),
        claims: tasks.map((t) => ({ recordId: t.record_id, deliveredAt: t.delivered_at! })),
      };
    });
  }

  /**
   * Returns runs claimed for an answer that never left (the agent's connection closed first) to
   * Pending and wakes the instance's polls on every replica: the agent, reconnecting anywhere,
   * gets them at once instead of after REDELIVER_AFTER_SECONDS. Only such runs: an answer that
   * was written may have reached the agent, which may be running them already.
   */
  release(instanceId: string, claims: readonly RunClaim[]): Promise<void> {
    const work = this.sql
      .transaction(async (tx) => {
        const released = await releaseRuns(tx, instanceId, claims);
        if (released === 0) return;
        await this.notifier.notify(tx, [instanceId]);
        this.logger.log(`released ${released} run(s) of ${instanceId} whose delivery did not reach the agent`);
      })
      .catch((error: Error) => {
        // They go out again after REDELIVER_AFTER_SECONDS, as any unacknowledged delivery does.
        this.logger.warn(`releasing undelivered runs of ${instanceId} failed: ${error.message}`);
      });
    this.releasing.add(work);
    void work.finally(() => this.releasing.delete(work));
    return work;
  }
}
