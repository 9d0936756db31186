import { Injectable } from '@nestjs/common';
import { AgentPollResponse } from '@ca/protocol';
import { ApiError } from '../common/api-error';
import { DispatchNotifier } from '../database/dispatch-notifier';
import { HeartbeatWriter } from './heartbeat-writer';
import { Sql, SqlRunner } from '../database/sql';
import { appendOutput, isOwnRecord, TaskOutcome } from '../runs/outcomes';
import { OutcomeRecorder } from './outcome-recorder';
import { ClaimedWork, WorkClaims } from './work-claims';

/**
 * The agent-facing side of dispatch. Every statement is scoped to the caller's own instance,
 * so an agent's credential can neither read nor report another instance's work.
 */
@Injectable()
export class AgentTasksService {
  constructor(
    private readonly sql: Sql,
    private readonly notifier: DispatchNotifier,
    private readonly heartbeats: HeartbeatWriter,
    private readonly claims: WorkClaims,
    private readonly outcomes: OutcomeRecorder,
  ) {}

  /** Written in a batch with other agents' heartbeats (HeartbeatWriter). */
  heartbeat(instanceId: string, agentVersion: string | undefined, hostname: string | undefined): Promise<void> {
    return this.heartbeats.record(instanceId, agentVersion, hostname);
  }

  /**
   * Long poll: returns at once when there is work or a stop, else waits for a notification. The
   * acknowledgements of the previous answer ride on the first look for work (one statement).
   */
  async poll(instanceId: string, waitSeconds: number, acks: string[], signal: AbortSignal): Promise<AgentPollResponse> {
    const deadline = Date.now() + waitSeconds * 1000;
    const subscription = this.notifier.subscribe(instanceId);
    try {
      for (let woken = false; ; woken = true) {
        const work = await this.claims.claim(instanceId, woken ? [] : acks);
        const remaining = deadline - Date.now();
        // A stop wakes a waiting poll at once; a stop still pending from earlier (the agent is
        // killing that run right now) is repeated in answers but is no reason to answer early,
        // or an agent would poll in a tight loop until its report lands.
        const newStop = work.StopRecordIds.length > 0 && (woken || work.freshStop);
        if (work.Tasks.length > 0 || newStop || remaining <= 0 || signal.aborted || this.notifier.closed) {
          this.releaseIfUndelivered(instanceId, work, signal);
          return { Tasks: work.Tasks, StopRecordIds: work.StopRecordIds };
        }
        await subscription.wait(remaining, signal);
        if (this.notifier.closed) return { Tasks: [], StopRecordIds: [] };
        // Time up (or the agent gone): answer with what the last look found, without looking
        // again. The agent polls again at once and that poll looks first, so no work waits
        // longer; an idle fleet costs one statement per poll, not two, and a vanished agent
        // claims nothing. Pending stops are still repeated, as every answer repeats them.
        if (Date.now() >= deadline || signal.aborted) return { Tasks: [], StopRecordIds: work.StopRecordIds };
      }
    } finally {
      subscription.close();
    }
  }

  /**
   * `signal` aborts when the connection closes before the whole answer was written — the agent
   * gone while its runs were being claimed, a write that failed, a drain that cut it at shutdown.
   * Those runs never reached it: hand them back now, for its next poll on any replica. (An
   * answer written in full is the acknowledgement protocol's business: it may have arrived.)
   */
  private releaseIfUndelivered(instanceId: string, work: ClaimedWork, signal: AbortSignal): void {
    if (work.claims.length === 0) return;
    const release = (): void => void this.claims.release(instanceId, work.claims);
    if (signal.aborted) release();
    else signal.addEventListener('abort', release, { once: true });
  }

  /** Appends output at `offset` while within the kept 24 KB; a repeated offset is a retry and ignored. */
  async appendOutput(instanceId: string, recordId: string, offset: number, data: Buffer): Promise<void> {
    await this.sql.transaction(async (tx) => {
      if (!(await appendOutput(tx, instanceId, recordId, offset, data))) await assertOwnRecord(tx, instanceId, recordId);
    });
  }

  /**
   * Records a run's outcome (batched with the reports arriving together). The first outcome
   * wins; a repeated report (the agent retrying after a lost answer) is acknowledged and ignored.
   */
  async finish(instanceId: string, recordId: string, outcome: TaskOutcome): Promise<void> {
    if (!(await this.outcomes.record(instanceId, recordId, outcome))) await assertOwnRecord(this.sql, instanceId, recordId);
  }
}

/** Unknown to this agent — whether absent or another instance's — is NotFound, revealing nothing. */
async function assertOwnRecord(sql: SqlRunner, instanceId: string, recordId: string): Promise<void> {
  if (!(await isOwnRecord(sql, instanceId, recordId))) {
    throw new ApiError('InvalidRecordId.NotFound', 'The specified record does not exist on this instance.');
  }
}
