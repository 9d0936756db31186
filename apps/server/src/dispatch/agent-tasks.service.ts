import { Injectable } from '@nestjs/common';
import { AgentPollResponse } from '@ca/protocol';
import { DataSource, EntityManager } from 'typeorm';
import { ApiError } from '../common/api-error';
import { DispatchNotifier } from '../database/dispatch-notifier';
import { HeartbeatWriter } from './heartbeat-writer';
import { sqlRunnerOf } from '../database/sql';
import { OutcomeRecorder, outputPiece, TaskOutcome } from './outcome-recorder';
import { ClaimedWork, WorkClaims } from './work-claims';

/**
 * The agent-facing side of dispatch. Every statement is scoped to the caller's own instance,
 * so an agent's credential can neither read nor report another instance's work.
 */
@Injectable()
export class AgentTasksService {
  constructor(
    private readonly dataSource: DataSource,
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
    await this.dataSource.transaction(async (manager) => {
      const updated = await this.writeOutput(manager, instanceId, recordId, offset, data);
      if (!updated) await this.assertOwnRecord(manager, instanceId, recordId);
    });
  }

  /**
   * Records a run's outcome (batched with the reports arriving together). The first outcome
   * wins; a repeated report (the agent retrying after a lost answer) is acknowledged and ignored.
   */
  async finish(instanceId: string, recordId: string, outcome: TaskOutcome): Promise<void> {
    if (!(await this.outcomes.record(instanceId, recordId, outcome))) await this.assertOwnRecord(this.dataSource.manager, instanceId, recordId);
  }

  /**
   * Appends the part of `data` (which starts at byte `offset` of the output) that the record
   * does not have yet: a retried piece whose first answer was lost adds only what is new.
   */
  private async writeOutput(manager: EntityManager, instanceId: string, recordId: string, offset: number, data: Buffer): Promise<boolean> {
    const piece = outputPiece(offset, data);
    if (!piece) return true;
    const { rows } = await sqlRunnerOf(manager).query(
      `UPDATE invocation_records
          SET output = output || substring($4::bytea from octet_length(output) - $3 + 1), updated_at = now()
        WHERE record_id = $1 AND instance_id = $2 AND status = 'Running'
          AND octet_length(output) >= $3 AND octet_length(output) < $3 + octet_length($4::bytea)
        RETURNING 1`,
      [recordId, instanceId, piece.offset, piece.data],
    );
    return rows.length > 0;
  }


  /** Unknown to this agent — whether absent or another instance's — is NotFound, revealing nothing. */
  private async assertOwnRecord(manager: EntityManager, instanceId: string, recordId: string): Promise<void> {
    const rows: unknown[] = await manager.query(
      'SELECT 1 FROM invocation_records WHERE record_id = $1 AND instance_id = $2',
      [recordId, instanceId],
    );
    if (rows.length === 0) throw new ApiError('InvalidRecordId.NotFound', 'The specified record does not exist on this instance.', 404);
  }
}

