import { HEARTBEAT_INTERVAL_SECONDS } from '@ca/protocol';
import { DataSource } from 'typeorm';
import { isoTime, Paging } from '../common/paging';

/** An agent is online while its heartbeats keep coming: three missed in a row and it is not. */
export const ONLINE_WITHIN_SECONDS = 3 * HEARTBEAT_INTERVAL_SECONDS;

interface StatusRow {
  instance_id: string;
  os_type: string;
  agent_registered_at: Date | null;
  agent_version: string | null;
  last_heartbeat_at: Date | null;
  online: boolean;
  active: number;
  invocations: number;
  last_invoked: Date | null;
  total: number;
}

/**
 * DescribeCloudAssistantStatus: one query, counts from the records' (instance_id, …) indexes.
 * ActiveTaskCount is, as in Alibaba's documentation, the number of commands being run on the
 * instance: Running records only. A Pending record has not reached the agent yet (and may never,
 * if it ends Aborted), so it is not active there; it does count in InvocationCount.
 */
export async function describeCloudAssistantStatus(
  dataSource: DataSource,
  filter: { regionId: string; instanceIds?: string[]; osType?: string },
  paging: Paging,
): Promise<{ rows: object[]; total: number }> {
  const rows: StatusRow[] = await dataSource.query(
    `SELECT n.instance_id, n.os_type, n.agent_registered_at, n.agent_version, n.last_heartbeat_at,
            (n.agent_registered_at IS NOT NULL AND n.last_heartbeat_at > now() - make_interval(secs => $4)) AS online,
            (SELECT count(*)::int FROM invocation_records r WHERE r.instance_id = n.instance_id AND r.status = 'Running') AS active,
            (SELECT count(*)::int FROM invocation_records r WHERE r.instance_id = n.instance_id) AS invocations,
            (SELECT max(r.created_at) FROM invocation_records r WHERE r.instance_id = n.instance_id) AS last_invoked,
            count(*) OVER ()::int AS total
       FROM instances n
      WHERE n.region_id = $1 AND ($2::varchar[] IS NULL OR n.instance_id = ANY($2)) AND ($3::varchar IS NULL OR n.os_type = $3)
      ORDER BY n.created_at, n.instance_id
      LIMIT $5 OFFSET $6`,
    [filter.regionId, filter.instanceIds ?? null, filter.osType ?? null, ONLINE_WITHIN_SECONDS, paging.limit, paging.offset],
  );
  return {
    total: rows[0]?.total ?? 0,
    rows: rows.map((r) => ({
      InstanceId: r.instance_id,
      CloudAssistantStatus: String(r.online),
      CloudAssistantVersion: r.agent_version ?? '',
      LastHeartbeatTime: isoTime(r.last_heartbeat_at),
      ActiveTaskCount: r.active,
      InvocationCount: r.invocations,
      LastInvokedTime: isoTime(r.last_invoked),
      OSType: r.os_type === 'windows' ? 'Windows' : 'Linux',
      SupportSessionManager: false,
    })),
  };
}
