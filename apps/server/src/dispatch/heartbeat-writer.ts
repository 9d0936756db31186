import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { MicroBatcher } from '../database/micro-batcher';
import { Sql } from '../database/sql';

/** How long a heartbeat waits for others to share its statement. Agents wait 10 s between heartbeats. */
export const HEARTBEAT_BATCH_MS = 200;
/** A batch goes at once when this many heartbeats are waiting. */
const MAX_BATCH = 1000;

interface Heartbeat {
  instanceId: string;
  agentVersion?: string;
  hostname?: string;
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
 * wait for their own batch and so get its error.
 */
@Injectable()
export class HeartbeatWriter implements OnModuleDestroy {
  private readonly logger = new Logger(HeartbeatWriter.name);
  private readonly batcher = new MicroBatcher<Heartbeat, void>({
    schedule: HEARTBEAT_BATCH_MS,
    maxBatchWeight: MAX_BATCH,
    run: (heartbeats) => this.write(heartbeats),
  });
  private failing = false;

  constructor(private readonly sql: Sql) {}

  record(instanceId: string, agentVersion: string | undefined, hostname: string | undefined): Promise<void> {
    const written = this.batcher.add({ instanceId, agentVersion, hostname });
    if (this.failing) return written;
    written.catch(() => undefined); // answered already; write() logged the failure
    return Promise.resolve();
  }

  /** Shutdown: what is waiting is written now, while the database is still there. */
  async onModuleDestroy(): Promise<void> {
    await this.batcher.drain();
  }

  /** One row per instance: the latest version and hostname it reported win. */
  private async write(heartbeats: Heartbeat[]): Promise<void[]> {
    const latest = new Map<string, { agentVersion: string | null; hostname: string | null }>();
    for (const { instanceId, agentVersion, hostname } of heartbeats) {
      const earlier = latest.get(instanceId);
      latest.set(instanceId, { agentVersion: agentVersion ?? earlier?.agentVersion ?? null, hostname: hostname ?? earlier?.hostname ?? null });
    }
    const entries = [...latest.values()];
    try {
      await this.sql.query(
        `UPDATE instances n SET last_heartbeat_at = now(),
                agent_version = coalesce(h.agent_version, n.agent_version), agent_hostname = coalesce(h.hostname, n.agent_hostname)
           FROM unnest($1::varchar[], $2::varchar[], $3::varchar[]) AS h(instance_id, agent_version, hostname)
          WHERE n.instance_id = h.instance_id`,
        [[...latest.keys()], entries.map((e) => e.agentVersion), entries.map((e) => e.hostname)],
      );
      this.failing = false;
    } catch (error) {
      if (!this.failing) this.logger.warn(`heartbeats not recorded: ${(error as Error).message}`);
      this.failing = true;
      throw error;
    }
    return heartbeats.map(() => undefined);
  }
}
