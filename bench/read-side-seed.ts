import { Client } from 'pg';

export const SEED_REGION = 'cn-hangzhou';
const INSTANCES = 2000;
const COMMANDS = 300;
const TIMED = 20;
/** One-shot invocations span this many days, the newest a few seconds old. */
const HISTORY_DAYS = 28;
/** Mean of `1 + floor(49 · u⁶)`, the instances per one-shot invocation: most target a few, some 50. */
const MEAN_INSTANCES = 1 + 49 / 7 - 0.5; // floor() takes half a step off

export interface SeedSummary {
  invocations: number;
  records: number;
  /** The timed invocation with the most runs, and how many records it has. */
  bigTimed: { invokeId: string; records: number };
  /** Ordinary one-shot invocations of several instances, for DescribeInvocationResults. */
  ordinaryInvokeIds: string[];
  /** Commands by use: the most used first. */
  popularCommandIds: string[];
  rareCommandIds: string[];
  instanceIds: string[];
  seconds: number;
}

export const instanceId = (n: number): string => `i-bench${String(n).padStart(6, '0')}`;
const instanceSql = (n: string): string => `'i-bench' || lpad((${n})::text, 6, '0')`;

/**
 * Fills a migrated, empty database with a realistic history of about `records` invocation
 * records, in SQL (INSERT … SELECT … generate_series), deterministically (setseed):
 * - 2,000 instances and 300 commands, their use skewed (the top command runs ~15% of invocations);
 * - one-shot invocations over four weeks, one every few seconds to minutes, each on 1–50
 *   consecutive instances (mostly few); statuses mostly Success, some PartialFailed and Failed,
 *   the newest minutes Running and Pending;
 * - 20 timed invocations firing every 10 minutes on 1–5 instances, thousands of runs each
 *   (the first one the biggest), a few of them stopped.
 * Pending and Running rows are recent: run the server with a long DELIVERY_TIMEOUT_SECONDS so
 * housekeeping leaves them as they are while the benchmark reads.
 */
export async function seedReadSide(url: string, records: number): Promise<SeedSummary> {
  const started = Date.now();
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    const scale = records / 1_000_000;
    const bigFires = Math.max(600, Math.round(3000 * scale));
    await db.query('SELECT setseed(0.42)');
    await db.query(
      `INSERT INTO instances (instance_id, region_id, instance_name, last_heartbeat_at, agent_registered_at, created_at, updated_at)
       SELECT ${instanceSql('g')}, $1, 'bench-' || g, now(), now() - interval '60 days', now() - interval '60 days', now()
         FROM generate_series(0, ${INSTANCES - 1}) g`,
      [SEED_REGION],
    );
    await db.query(
      `INSERT INTO commands (command_id, region_id, name, type, content, timeout, parameter_names, created_at)
       SELECT 'c-' || md5('command' || g), $1, 'bench-command-' || g, 'RunShellScript',
              convert_to('#!/bin/sh' || chr(10) || 'echo bench ' || g, 'UTF8'), 60, '[]', now() - interval '90 days'
         FROM generate_series(0, ${COMMANDS - 1}) g`,
      [SEED_REGION],
    );

    // Timed invocations first (their record count is known), one-shots fill up to `records`.
    await db.query(
      `INSERT INTO invocations (invoke_id, region_id, command_id, command_name, command_type, command_content, parameters,
                                username, timeout, repeat_mode, frequency, time_zone, misfire_policy, next_fire_at, fire_count,
                                status, instance_ids, stopped_at, created_at, updated_at)
       SELECT 't-' || md5('timed' || t), $1, c.command_id, c.name, c.type, c.content, '{}', 'root', 60, 'Period',
              '0 */10 * * * ?', '+08:00', 'FireOnceNow', CASE WHEN t % 7 = 6 THEN NULL ELSE now() + interval '1 day' END,
              x.fires, CASE WHEN t % 7 = 6 THEN 'Stopped' ELSE 'Scheduled' END, ids.ids,
              CASE WHEN t % 7 = 6 THEN now() - interval '1 hour' END,
              now() - make_interval(mins => 10 * x.fires + 5), now()
         FROM (SELECT t, CASE WHEN t = 0 THEN 5 ELSE 1 + floor(4 * random())::int END AS width,
                      CASE WHEN t = 0 THEN $2::int ELSE floor($2::int * (0.1 + 0.9 * random()))::int END AS fires,
                      floor(${INSTANCES} * random())::int AS first, floor(${COMMANDS} * random())::int AS command
                 FROM generate_series(0, ${TIMED - 1}) t) x
         JOIN commands c ON c.command_id = 'c-' || md5('command' || x.command)
         CROSS JOIN LATERAL (SELECT array_agg(${instanceSql(`(x.first + j) % ${INSTANCES}`)} ORDER BY j) AS ids
                               FROM generate_series(0, x.width - 1) j) ids`,
      [SEED_REGION, bigFires],
    );
    await db.query(
      `INSERT INTO invocation_records (invoke_id, instance_id, scheduled_at, repeats, status, exit_code, output, error_code, error_info,
                                       created_at, delivered_at, acked_at, start_time, finished_time, updated_at)
       SELECT i.invoke_id, u.instance_id, at, n, s.status, CASE WHEN s.status = 'Success' THEN 0 ELSE 1 END,
              convert_to('run ' || n || ' on ' || u.instance_id || ': ' || repeat('ok ', 20), 'UTF8'),
              CASE WHEN s.status = 'Failed' THEN 'ExitCodeNonzero' ELSE '' END, '',
              at, at, at, at + interval '20 ms', at + interval '1 s', at + interval '1 s'
         FROM invocations i
         CROSS JOIN LATERAL unnest(i.instance_ids) u(instance_id)
         CROSS JOIN LATERAL generate_series(1, i.fire_count) n
         CROSS JOIN LATERAL (SELECT i.created_at + make_interval(mins => 10 * n) AS at,
                                    CASE WHEN random() < 0.97 THEN 'Success' ELSE 'Failed' END AS status) s
        WHERE i.repeat_mode = 'Period'`,
    );
    const timedRecords = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM invocation_records')).rows[0].n);

    const oneShots = Math.max(100, Math.round((records - timedRecords) / MEAN_INSTANCES));
    const spacingSeconds = (HISTORY_DAYS * 86400) / oneShots;
    await db.query(
      `INSERT INTO invocations (invoke_id, region_id, command_id, command_name, command_type, command_content, parameters,
                                username, timeout, repeat_mode, status, instance_ids, created_at, updated_at)
       SELECT 't-' || md5('once' || x.g), $1, c.command_id, c.name, c.type, c.content, '{}', 'root', 60, 'Once',
              CASE WHEN x.age < interval '2 minutes' THEN 'Pending'
                   WHEN x.age < interval '10 minutes' THEN 'Running'
                   WHEN x.outcome < 0.93 THEN 'Success'
                   WHEN x.outcome < 0.97 AND x.width > 1 THEN 'PartialFailed'
                   ELSE 'Failed' END,
              ids.ids, now() - x.age, now() - x.age + interval '2 s'
         FROM (SELECT g, make_interval(secs => ($2::int - g) * $3::float8 + 5) AS age, random() AS outcome,
                      1 + floor(49 * random() ^ 6)::int AS width, floor(${INSTANCES} * random())::int AS first,
                      floor(${COMMANDS} * random() ^ 3)::int AS command
                 FROM generate_series(1, $2::int) g) x
         JOIN commands c ON c.command_id = 'c-' || md5('command' || x.command)
         CROSS JOIN LATERAL (SELECT array_agg(${instanceSql(`(x.first + j) % ${INSTANCES}`)} ORDER BY j) AS ids
                               FROM generate_series(0, x.width - 1) j) ids`,
      [SEED_REGION, oneShots, spacingSeconds],
    );
    // Each record agrees with its invocation's status: PartialFailed fails on its first
    // instance, Running still runs there, Pending has started nowhere.
    await db.query(
      `INSERT INTO invocation_records (invoke_id, instance_id, scheduled_at, repeats, status, exit_code, output, dropped,
                                       error_code, error_info, created_at, delivered_at, acked_at, start_time, finished_time, updated_at)
       SELECT i.invoke_id, u.instance_id, i.created_at, 1, s.status,
              CASE s.status WHEN 'Success' THEN 0 WHEN 'Failed' THEN 1 END,
              CASE WHEN s.status = 'Pending' THEN '\\x'::bytea
                   ELSE convert_to(repeat('line of output from ' || u.instance_id || chr(10), CASE WHEN random() < 0.02 THEN 100 ELSE 1 + floor(8 * random())::int END), 'UTF8') END,
              0, CASE WHEN s.status = 'Failed' THEN 'ExitCodeNonzero' ELSE '' END, '',
              i.created_at,
              CASE WHEN s.status <> 'Pending' THEN i.created_at END, CASE WHEN s.status <> 'Pending' THEN i.created_at END,
              CASE WHEN s.status <> 'Pending' THEN i.created_at + interval '15 ms' END,
              CASE WHEN s.status IN ('Success', 'Failed') THEN i.created_at + interval '800 ms' END,
              i.created_at + interval '800 ms'
         FROM invocations i
         CROSS JOIN LATERAL unnest(i.instance_ids) WITH ORDINALITY u(instance_id, position)
         CROSS JOIN LATERAL (SELECT CASE
                  WHEN i.status IN ('Success', 'Failed', 'Pending') THEN i.status
                  WHEN u.position = 1 THEN CASE i.status WHEN 'PartialFailed' THEN 'Failed' ELSE 'Running' END
                  ELSE 'Success' END AS status) s
        WHERE i.repeat_mode = 'Once'`,
    );
    // As autovacuum would have left a table this old: statistics current, visibility map set.
    await db.query('VACUUM ANALYZE invocations');
    await db.query('VACUUM ANALYZE invocation_records');
    await db.query('VACUUM ANALYZE instances');
    await db.query('VACUUM ANALYZE commands');
    return await summarize(db, Math.round((Date.now() - started) / 1000));
  } finally {
    await db.end();
  }
}

async function summarize(db: Client, seconds: number): Promise<SeedSummary> {
  const one = async <T>(sql: string): Promise<T> => (await db.query(sql)).rows[0] as T;
  const { invocations } = await one<{ invocations: number }>('SELECT count(*)::int AS invocations FROM invocations');
  const { records } = await one<{ records: number }>('SELECT count(*)::int AS records FROM invocation_records');
  const big = await one<{ invoke_id: string; n: number }>(
    `SELECT invoke_id, count(*)::int AS n FROM invocation_records WHERE invoke_id = 't-' || md5('timed0') GROUP BY invoke_id`,
  );
  const ordinary = await db.query(
    `SELECT invoke_id FROM invocations
      WHERE repeat_mode = 'Once' AND cardinality(instance_ids) BETWEEN 5 AND 30 AND status = 'Success'
      ORDER BY invoke_id LIMIT 50`,
  );
  const commands = await db.query('SELECT command_id, count(*)::int AS n FROM invocations GROUP BY command_id ORDER BY n DESC, command_id');
  const byUse = commands.rows.map((r: { command_id: string }) => r.command_id);
  return {
    invocations,
    records,
    bigTimed: { invokeId: big.invoke_id, records: big.n },
    ordinaryInvokeIds: ordinary.rows.map((r: { invoke_id: string }) => r.invoke_id),
    popularCommandIds: byUse.slice(0, 5),
    rareCommandIds: byUse.slice(-5),
    instanceIds: Array.from({ length: 50 }, (_, k) => instanceId((k * 397) % INSTANCES)),
    seconds,
  };
}
