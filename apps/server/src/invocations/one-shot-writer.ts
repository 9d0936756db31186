import { Injectable, Logger } from '@nestjs/common';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { toApiError } from '../api/error-mapping';
import { NONCE_LIFETIME_SECONDS, SignatureNonce } from '../auth/signature-nonce';
import { DISPATCH_CHANNEL } from '../dispatch/dispatch-notifier';

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
 * Group commit of one-shot InvokeCommands (issue 6). Each request's whole write — spend the
 * SignatureNonce, check command and instances (SPEC §2.2's order), insert the invocation and its
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
    const targets = invocations.flatMap((inv, n) => inv.instanceIds.map((instanceId, ord) => ({ n, instanceId, ord })));
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
        invocations.map((i) => i.instanceIds.length),
        invocations.map((i) => i.workingDir ?? null),
        invocations.map((i) => i.username ?? null),
        invocations.map((i) => i.timeout ?? null),
        invocations.map((i) => i.createdAt),
        // At most 100 ids of at most 64 characters: always within one NOTIFY payload.
        invocations.map((i) => i.instanceIds.join(',')),
        targets.map((t) => t.n),
        targets.map((t) => t.instanceId),
        targets.map((t) => t.ord),
        NONCE_LIFETIME_SECONDS,
        DISPATCH_CHANNEL,
      ],
    });
    return new Map(result.rows.map((row) => [row.n, row.refusal]));
  }
}

/** The command enables parameters: rendering its content is the transactional path's job. */
const NEEDS_PARAMETERS = 'EnableParameter';

/**
 * One statement for a batch of requests; data-modifying CTEs share one snapshot and commit
 * together. Refusals, in SPEC §2.2's order after the nonce: command, unknown instance, classic
 * network, status, no client. The instances are locked FOR KEY SHARE: enough to hold off
 * DeregisterInstance and RegisterInstance (FOR UPDATE) until we commit, without waiting for
 * agents' heartbeat updates of the same rows.
 */
const ONE_SHOT_SQL = `
WITH req AS (
  SELECT * FROM unnest($1::int[], $2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[], $6::varchar[], $7::int[],
                       $8::varchar[], $9::varchar[], $10::int[], $11::timestamptz[], $12::text[])
    AS r(n, invoke_id, region_id, command_id, key_id, nonce, instance_count, working_dir, username, timeout, created_at, payload)
),
target AS (
  SELECT * FROM unnest($13::int[], $14::varchar[], $15::int[]) AS t(n, instance_id, ord)
),
spent AS (
  INSERT INTO signature_nonces (access_key_id, nonce, expires_at)
  SELECT key_id, nonce, now() + make_interval(secs => $16) FROM req
  ON CONFLICT DO NOTHING
  RETURNING access_key_id, nonce
),
cmd AS (
  SELECT r.n, c.command_id, c.name, c.type, c.content, c.working_dir, c.timeout, c.enable_parameter
    FROM req r JOIN commands c ON c.command_id = r.command_id AND c.region_id = r.region_id AND c.kept
),
found AS (
  SELECT t.n, i.network_type, i.status, i.agent_registered_at
    FROM target t JOIN req r ON r.n = t.n JOIN instances i ON i.instance_id = t.instance_id AND i.region_id = r.region_id
     FOR KEY SHARE OF i
),
verdict AS (
  SELECT r.n, CASE
      WHEN NOT EXISTS (SELECT FROM spent s WHERE s.access_key_id = r.key_id AND s.nonce = r.nonce) THEN 'SignatureNonceUsed'
      WHEN c.n IS NULL THEN 'InvalidCmdId.NotFound'
      WHEN (SELECT count(*) FROM found f WHERE f.n = r.n) < r.instance_count THEN 'InvalidInstance.NotFound'
      WHEN EXISTS (SELECT FROM found f WHERE f.n = r.n AND f.network_type = 'classic') THEN 'InvalidInstance.NotVpc'
      WHEN EXISTS (SELECT FROM found f WHERE f.n = r.n AND f.status <> 'Running') THEN 'InvalidInstanceStatus'
      WHEN EXISTS (SELECT FROM found f WHERE f.n = r.n AND f.agent_registered_at IS NULL) THEN 'InvalidInstance.NoClient'
      WHEN c.enable_parameter THEN '${NEEDS_PARAMETERS}'
    END AS refusal
    FROM req r LEFT JOIN cmd c ON c.n = r.n
),
accepted AS MATERIALIZED (
  SELECT r.*, c.command_id AS snapshot_command_id, c.name, c.type, c.content,
         COALESCE(r.working_dir, c.working_dir) AS run_working_dir, COALESCE(r.timeout, c.timeout) AS run_timeout
    FROM req r JOIN cmd c ON c.n = r.n JOIN verdict v ON v.n = r.n
   WHERE v.refusal IS NULL
),
invocation AS (
  INSERT INTO invocations (invoke_id, region_id, command_id, command_name, command_type, command_content, parameters,
                           working_dir, username, timeout, repeat_mode, status, instance_ids, created_at, updated_at)
  SELECT a.invoke_id, a.region_id, a.snapshot_command_id, a.name, a.type, a.content, '{}'::jsonb,
         a.run_working_dir, COALESCE(a.username, ''), a.run_timeout, 'Once', 'Pending',
         ARRAY(SELECT t.instance_id FROM target t WHERE t.n = a.n ORDER BY t.ord), a.created_at, a.created_at
    FROM accepted a
  RETURNING 1
),
record AS (
  INSERT INTO invocation_records (invoke_id, instance_id, scheduled_at, repeats, status, output, created_at, updated_at)
  SELECT a.invoke_id, t.instance_id, a.created_at, 1, 'Pending', '\\x'::bytea, now(), now()
    FROM accepted a JOIN target t ON t.n = a.n
  RETURNING 1
),
notified AS MATERIALIZED (
  SELECT pg_notify($17, a.payload) FROM accepted a
)
SELECT v.n, v.refusal, (SELECT count(*) FROM notified) AS notified FROM verdict v`;
