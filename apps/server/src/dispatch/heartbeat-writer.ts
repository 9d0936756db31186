import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Sql } from '../database/sql';

/** How long a heartbeat waits for others to share its statement. Agents wait 10 s between heartbeats. */
export const HEARTBEAT_BATCH_MS = 200;
/** A batch goes at once when this many heartbeats are waiting. */
const MAX_BATCH = 1000;

interface PendingHeartbeat {
  agentVersion: string | null;
  hostname: string | null;
}

/**
 * Agent heartbeats, written in batches: a thousand agents heartbeat a hundred times a second,
 * and one UPDATE (one commit) per heartbeat was most of what an idle fleet cost the service and
 * PostgreSQL. Heartbeats arriving within HEARTBEAT_BATCH_MS share one statement.
 *
 * A heartbeat is answered as soon as it is queued, not when its batch commits: answering a whole
 * batch at the same instant would line the agents' next heartbeats up (each sleeps 10 s after its
 * answer) into ever larger bursts. A heartbeat is a liveness hint superseded ten seconds later,
 * so a batch lost with the process costs nothing. While the database refuses batches, heartbeats
 * wait for their own batch and so get its error, as before.
 */
@Injectable()
export class HeartbeatWriter implements OnModuleDestroy {
  private readonly logger = new Logger(HeartbeatWriter.name);
  private pending = new Map<string, PendingHeartbeat>();
  /** Heartbeats answered only when their batch is written: those that came while writes failed. */
  private waiting: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  private timer?: NodeJS.Timeout;
  private failing = false;

  constructor(private readonly sql: Sql) {}

  record(instanceId: string, agentVersion: string | undefined, hostname: string | undefined): Promise<void> {
    const entry = this.pending.get(instanceId);
    this.pending.set(instanceId, {
      agentVersion: agentVersion ?? entry?.agentVersion ?? null,
      hostname: hostname ?? entry?.hostname ?? null,
    });
    const answered = this.failing ? new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject })) : Promise.resolve();
    if (this.pending.size >= MAX_BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), HEARTBEAT_BATCH_MS);
    return answered;
  }

  /** Shutdown: what is waiting is written now, while the database is still there. */
  async onModuleDestroy(): Promise<void> {
    await this.flush();
  }

  /** Writes the pending batch; never throws (a failure is logged and goes to the heartbeats waiting for it). */
  private async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    const waiting = this.waiting;
    if (batch.size === 0) return;
    this.pending = new Map();
    this.waiting = [];
    const entries = [...batch.values()];
    try {
      await this.sql.query(
        `UPDATE instances n SET last_heartbeat_at = now(),
                agent_version = coalesce(h.agent_version, n.agent_version), agent_hostname = coalesce(h.hostname, n.agent_hostname)
           FROM unnest($1::varchar[], $2::varchar[], $3::varchar[]) AS h(instance_id, agent_version, hostname)
          WHERE n.instance_id = h.instance_id`,
        [[...batch.keys()], entries.map((e) => e.agentVersion), entries.map((e) => e.hostname)],
      );
      this.failing = false;
      for (const { resolve } of waiting) resolve();
    } catch (error) {
      if (!this.failing) this.logger.warn(`heartbeats not recorded: ${(error as Error).message}`);
      this.failing = true;
      for (const { reject } of waiting) reject(error);
    }
  }
}
