import { Injectable, Logger } from '@nestjs/common';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { toApiError } from '../common/error-mapping';
import { NONCE_LIFETIME_SECONDS, SignatureNonce } from '../auth/signature-nonce';
import { NOTIFICATION_CHANNELS } from '../database/notification-channels';

/** A one-shot InvokeCommand without ClientToken or Parameters, after its checks that need no database. */
export interface OneShotInvocation {
  invokeId: string;
  regionId: string;
  commandId: string;
  instanceIds: string[];
  workingDir?: string;
  username?: string;
  timeout?: number;
  createdAt: Date;
  nonce: SignatureNonce;
}

/**
 * What became of it: committed; refused with an Alibaba code (nothing written but the nonce);
 * or left to the transactional path (a command with parameters, or a statement that failed).
 */
export type OneShotOutcome = { kind: 'committed' } | { kind: 'refused'; code: string } | { kind: 'transactional' };

/** Statements in flight at once: one commits while the next one's batch builds up. */
const MAX_IN_FLIGHT = 3;
const MAX_BATCH_INSTANCES = 2000;

interface Queued {
  invocation: OneShotInvocation;
  resolve: (outcome: OneShotOutcome) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit of one-shot InvokeCommands. Each request's whole write — spend the
 * SignatureNonce, check command and instances (in the documented order), insert the invocation and its
 * Pending records, notify the agents — is one SQL statement, and the requests that arrive while
 * earlier statements are in flight share the next one: one round trip and one commit for the
 * lot. A request is answered only after its statement committed, and each one's verdict is its
 * own: a refused request writes nothing but its nonce, exactly as the transactional path would.
 */
@Injectable()
export class OneShotInvocationWriter {
  private readonly logger = new Logger(OneShotInvocationWriter.name);
  private readonly queue: Queued[] = [];
  private inFlight = 0;

  constructor(private readonly dataSource: DataSource) {}

  write(invocation: OneShotInvocation): Promise<OneShotOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ invocation, resolve, reject });
      this.flush();
    });
  }

  private flush(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.queue.length > 0) {
      const batch = this.takeBatch();
      this.inFlight++;
      void this.run(batch).finally(() => {
        this.inFlight--;
        this.flush();
      });
    }
  }

  /** The queue's head, up to MAX_BATCH_INSTANCES targets; a nonce repeated within it waits for a later batch. */
  private takeBatch(): Queued[] {
    const batch: Queued[] = [];
    const nonces = new Set<string>();
    let instances = 0;
    for (let i = 0; i < this.queue.length; ) {
      const queued = this.queue[i];
      const nonceKey = `${queued.invocation.nonce.accessKeyId}\n${queued.invocation.nonce.value}`;
      if (nonces.has(nonceKey)) {
        i++;
        continue;
      }
      if (batch.length > 0 && instances + queued.invocation.instanceIds.length > MAX_BATCH_INSTANCES) break;
      nonces.add(nonceKey);
      instances += queued.invocation.instanceIds.length;
      batch.push(queued);
      this.queue.splice(i, 1);
    }
    return batch;
  }

  private async run(batch: Queued[]): Promise<void> {
    let refusals: Map<number, string | null>;
    try {
      refusals = await this.execute(batch.map((q) => q.invocation));
    } catch (error) {
      // Nothing of the statement committed. Unreachable database: every request says so; anything
      // else: each request takes the transactional path alone, which reports its own failure.
      if (toApiError(error).code === 'ServiceUnavailable') {
        for (const queued of batch) queued.reject(error);
      } else {
        this.logger.warn(`one-shot batch of ${batch.length} failed, retrying each in its own transaction: ${(error as Error).message}`);
        for (const queued of batch) queued.resolve({ kind: 'transactional' });
      }
      return;
    }
    batch.forEach((queued, n) => {
      const refusal = refusals.get(n);
      queued.invocation.nonce.markSpent(); // committed, by this statement or by an earlier request
      if (refusal === null) queued.resolve({ kind: 'committed' });
      else if (refusal === NEEDS_PARAMETERS || refusal === undefined) queued.resolve({ kind: 'transactional' });
      else queued.resolve({ kind: 'refused', code: refusal });
    });
  }

  private async execute(invocations: OneShotInvocation[]): Promise<Map<number, string | null>> {
    const pool = (this.dataSource.driver as unknown as { master: Pool }).master;
    const result = await pool.query<{ n: number; refusal: string | null }>({
      name: 'one-shot-invocations',
      text: ONE_SHOT_SQL,
      values: [
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
      ],
    });
    return new Map(result.rows.map((row) => [row.n, row.refusal]));
  }
}

/** The command enables parameters: rendering its content is the transactional path's job. */
const NEEDS_PARAMETERS = 'EnableParameter';

/**
 * One statement for a batch of requests; data-modifying CTEs share one snapshot and commit
 * together. A request's instances travel as its comma-separated list (instance ids never hold a
 * comma: readInvokeRequest checks their pattern). Refusals, in the documented order after the nonce:
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
  INSERT INTO invocation_records (invoke_id, instance_id, scheduled_at, repeats, status, output, created_at, updated_at)
  SELECT v.invoke_id, t.instance_id, v.created_at, 1, 'Pending', '\\x'::bytea, now(), now()
    FROM verdict v, unnest(string_to_array(v.instance_list, ',')::varchar[]) AS t(instance_id)
   WHERE v.refusal IS NULL
  RETURNING 1
),
notified AS MATERIALIZED (
  SELECT pg_notify($13, v.instance_list) FROM verdict v WHERE v.refusal IS NULL
)
SELECT v.n, v.refusal, (SELECT count(*) FROM notified) AS notified FROM verdict v`;
