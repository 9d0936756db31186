import { Injectable } from '@nestjs/common';
import { Sql } from '../database/sql';
import { StartInput } from './agent.input';

/** What the machine was booted as when its agent started before this one, and when. */
export interface PreviousStart {
  bootId: string | null;
}

/**
 * An agent's start: the machine's facts as it reports them, and the boot it runs in. One
 * statement per start (not batched like heartbeats: an agent starts once, not every ten
 * seconds), answering what the row held before so that a changed boot id is seen exactly by
 * the start that changed it.
 */
@Injectable()
export class AgentStarts {
  constructor(private readonly sql: Sql) {}

  async record(instanceId: string, facts: StartInput): Promise<PreviousStart> {
    const { rows } = await this.sql.query<{ previous_boot_id: string | null }>(
      `UPDATE instances n
          SET agent_version = $2, agent_hostname = $3, os_type = $4, os_name = $5, os_version = $6, kernel_version = $7,
              intranet_ips = $8, machine_id = $9, boot_id = coalesce($10, n.boot_id), agent_started_at = now(), last_heartbeat_at = now()
         FROM instances previous
        WHERE n.instance_id = $1 AND previous.instance_id = n.instance_id
        RETURNING previous.boot_id AS previous_boot_id`,
      [
        instanceId,
        facts.AgentVersion,
        facts.Hostname,
        facts.OsType,
        facts.OsName ?? null,
        facts.OsVersion ?? null,
        facts.KernelVersion ?? null,
        facts.IntranetIp,
        facts.MachineId ?? null,
        facts.BootId ?? null,
      ],
    );
    return { bootId: rows[0]?.previous_boot_id ?? null };
  }
}
