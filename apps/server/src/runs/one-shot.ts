import { NONCE_LIFETIME_SECONDS } from '../actions/signature-nonce';
import { NOTIFICATION_CHANNELS } from '../database/notification-channels';
import type { SqlRunner } from '../database/sql';
import { insertRecordsFrom } from './new-records';

/** One one-shot InvokeCommand as the group-committed statement takes it. */
export interface OneShotInsert {
  invokeId: string;
  regionId: string;
  commandId: string;
  instanceIds: string[];
  workingDir?: string;
  username?: string;
  timeout?: number;
  createdAt: Date;
  nonce: { accessKeyId: string; value: string };
}

/**
 * Writes a batch of one-shot invocations in one statement: each one's nonce spent, its command
 * and instances checked, its invocation and Pending records inserted and its agents notified.
 * Answers each request's refusal by its position in the batch: null when it was written.
 */
export async function insertOneShotInvocations(sql: SqlRunner, invocations: readonly OneShotInsert[]): Promise<Map<number, string | null>> {
  const result = await sql.query<{ n: number; refusal: string | null }>({ name: 'one-shot-invocations', text: ONE_SHOT_SQL }, [
    invocations.map((_, n) => n),
    invocations.map((i) => i.invokeId),
    invocations.map((i) => i.regionId),
    invocations.map((i) => i.commandId),
    invocations.map((i) => i.nonce.accessKeyId),
    invocations.map((i) => i.nonce.value),
    invocations.map((i) => i.workingDir ?? null),
    invocations.map((i) => i.username ?? null),
    invocations.map((i) => i.timeout ?? null),
    invocations.map((i) => i.createdAt),
    // The instance list is also the agents' wake-up payload: at most 100 ids of at most 64
    // characters always fit one NOTIFY (DispatchNotifier's format: ids joined by commas).
    invocations.map((i) => i.instanceIds.join(',')),
    NONCE_LIFETIME_SECONDS,
    NOTIFICATION_CHANNELS.dispatch,
  ]);
  return new Map(result.rows.map((row) => [row.n, row.refusal]));
}

/** The command enables parameters: rendering its content is the transactional path's job. */
export const NEEDS_PARAMETERS = 'EnableParameter';

/**
 * One statement for a batch of requests; data-modifying CTEs share one snapshot and commit
 * together. A request's instances travel as its comma-separated list (instance ids never hold a
 * comma: InvokeCommandInput checks their pattern). Refusals, in the documented order after the nonce:
 * command, unknown instance, classic network, status, no client. The instances are locked FOR
 * KEY SHARE: enough to hold off DeregisterInstance and RegisterInstance (FOR UPDATE) until we
 * commit, without waiting for agents' heartbeat updates of the same rows.
 */
const ONE_SHOT_SQL = `
WITH req AS (
  SELECT * FROM unnest($1::int[], $2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[], $6::varchar[],
                       $7::varchar[], $8::varchar[], $9::int[], $10::timestamptz[], $11::text[])
    AS r(n, invoke_id, region_id, command_id, key_id, nonce, working_dir, username, timeout, created_at, instance_list)
),
target AS (
  SELECT r.n, r.region_id, t.instance_id FROM req r, unnest(string_to_array(r.instance_list, ',')::varchar[]) AS t(instance_id)
),
spent AS (
  INSERT INTO signature_nonces (access_key_id, nonce, expires_at)
  SELECT key_id, nonce, now() + make_interval(secs => $12) FROM req
  ON CONFLICT DO NOTHING
  RETURNING access_key_id, nonce
),
locked AS (
  SELECT t.n, i.network_type, i.status, i.agent_registered_at
    FROM target t JOIN instances i ON i.instance_id = t.instance_id AND i.region_id = t.region_id
     FOR KEY SHARE OF i
),
found AS (
  SELECT n, count(*) AS found, bool_or(network_type = 'classic') AS classic, bool_or(status <> 'Running') AS not_running,
         bool_or(agent_registered_at IS NULL) AS no_client
    FROM locked GROUP BY n
),
verdict AS MATERIALIZED (
  SELECT r.*, c.name, c.type, c.content, c.working_dir AS command_working_dir, c.timeout AS command_timeout, CASE
      WHEN s.nonce IS NULL THEN 'SignatureNonceUsed'
      WHEN c.command_id IS NULL THEN 'InvalidCmdId.NotFound'
      WHEN coalesce(f.found, 0) < cardinality(string_to_array(r.instance_list, ',')) THEN 'InvalidInstance.NotFound'
      WHEN f.classic THEN 'InvalidInstance.NotVpc'
      WHEN f.not_running THEN 'InvalidInstanceStatus'
      WHEN f.no_client THEN 'InvalidInstance.NoClient'
      WHEN c.enable_parameter THEN '${NEEDS_PARAMETERS}'
    END AS refusal
    FROM req r
    LEFT JOIN spent s ON s.access_key_id = r.key_id AND s.nonce = r.nonce
    LEFT JOIN commands c ON c.command_id = r.command_id AND c.region_id = r.region_id AND c.kept
    LEFT JOIN found f ON f.n = r.n
),
invocation AS (
  INSERT INTO invocations (invoke_id, region_id, command_id, command_name, command_type, command_content, parameters,
                           working_dir, username, timeout, repeat_mode, status, instance_ids, created_at, updated_at)
  SELECT v.invoke_id, v.region_id, v.command_id, v.name, v.type, v.content, '{}'::jsonb,
         coalesce(v.working_dir, v.command_working_dir), coalesce(v.username, ''), coalesce(v.timeout, v.command_timeout),
         'Once', 'Pending', string_to_array(v.instance_list, ',')::varchar[], v.created_at, v.created_at
    FROM verdict v WHERE v.refusal IS NULL
  RETURNING 1
),
record AS (
  ${insertRecordsFrom(
    `SELECT v.invoke_id, t.instance_id, v.created_at AS scheduled_at, 1 AS repeats, 'Pending'::varchar AS status,
            ''::varchar AS error_code, ''::varchar AS error_info
       FROM verdict v, unnest(string_to_array(v.instance_list, ',')::varchar[]) AS t(instance_id)
      WHERE v.refusal IS NULL`,
    { fire: false },
  )}
  RETURNING 1
),
notified AS MATERIALIZED (
  SELECT pg_notify($13, v.instance_list) FROM verdict v WHERE v.refusal IS NULL
)
SELECT v.n, v.refusal, (SELECT count(*) FROM notified) AS notified FROM verdict v`;
