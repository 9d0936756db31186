import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { BenchEnvironment, sleep, summarize } from './support';
import { BenchScenario, ms } from './table';

export interface FireLagResult {
  schedules: number;
  dueTogether: number;
  fired: number;
  early: number;
  lag: ReturnType<typeof summarize>;
  /** Scheduled time → the records visible to another connection (their commit), by polling. */
  visibleLag?: ReturnType<typeof summarize>;
  rssMb: number;
  peakRssMb: number;
}

/** The wall-clock second `at` as a daily cron in UTC+08:00 (the service's default zone). */
function dailyCronAt(at: Date): string {
  const local = new Date(at.getTime() + 8 * 3600_000);
  return `${local.getUTCSeconds()} ${local.getUTCMinutes()} ${local.getUTCHours()} * * ?`;
}

/**
 * `count` different expressions that all fire at `at`: the firer computes fire times once per
 * (expression, due time) in a batch, so identical ones would be one computation, not `count`.
 * Each adds a second, later minute (a fire at least a minute after `at`) and ends its year
 * range at a different year.
 */
export function distinctCronsAt(at: Date, count: number): string[] {
  const local = new Date(at.getTime() + 8 * 3600_000);
  const [second, minute, hour, year] = [local.getUTCSeconds(), local.getUTCMinutes(), local.getUTCHours(), local.getUTCFullYear()];
  const lastYears = 2099 - year + 1;
  if (count > lastYears * 59) throw new RangeError(`at most ${lastYears * 59} distinct expressions fire at ${at.toISOString()}`);
  return Array.from({ length: count }, (_, i) => {
    const otherMinute = (minute + 1 + Math.floor(i / lastYears)) % 60;
    return `${second} ${minute},${otherMinute} ${hour} * * ? ${year}-${2099 - (i % lastYears)}`;
  });
}

function memoryOf(pid: number): { rssMb: number; peakRssMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 };
}

/**
 * The scheduler benchmark: `schedules` active timed invocations in PostgreSQL, `dueTogether` of them
 * due in the same second, one service process. Fire lag = scheduled time → records committed
 * (both by the database clock).
 */
export async function measureSchedulerFireLag(options: { schedules: number; dueTogether: number }): Promise<FireLagResult> {
  const env = new BenchEnvironment();
  try {
    await env.startDatabase();
    await env.startServer();
    const db = new Client({ connectionString: env.databaseUrl });
    await db.connect();
    try {
      const [{ now }] = (await db.query('SELECT now() AS now')).rows as Array<{ now: Date }>;
      // Enough lead to insert the schedules first (about 20,000 rows a second here).
      const dueAt = new Date(Math.ceil(now.getTime() / 1000) * 1000 + 5000 + options.schedules / 10);
      const laterAt = new Date(dueAt.getTime() + 3600_000); // the others: due an hour later, daily
      const insert = (count: number, offset: number, at: Date, frequencies: string[]): Promise<unknown> =>
        db.query(
          `INSERT INTO invocations (invoke_id, region_id, command_id, command_name, command_type, command_content, parameters,
                                    working_dir, username, timeout, repeat_mode, frequency, time_zone, next_fire_at, status,
                                    instance_ids, created_at, updated_at)
           SELECT 't-' || lpad(to_hex(g), 32, '0'), 'cn-hangzhou', 'c-bench', 'bench', 'RunShellScript', 'true'::bytea, '{}',
                  '', '', 60, 'Period', ($3::varchar[])[g - $1 + 1], '+08:00', $4, 'Scheduled', ARRAY['i-bench-' || g], now(), now()
             FROM generate_series($1::int, $1::int + $2::int - 1) AS g`,
          [offset, count, frequencies, at],
        );
      for (let offset = 0; offset < options.schedules - options.dueTogether; offset += 20_000) {
        const count = Math.min(20_000, options.schedules - options.dueTogether - offset);
        await insert(count, 1_000_000 + offset, laterAt, new Array<string>(count).fill(dailyCronAt(laterAt)));
      }
      await insert(options.dueTogether, 1, dueAt, distinctCronsAt(dueAt, options.dueTogether));
      await db.query('ANALYZE invocations'); // as autovacuum would have, for a table this size
      await db.query(`SELECT pg_notify('ca_schedule', '')`);
      const visible = watchCommits(env.databaseUrl, dueAt, options.dueTogether, dueAt.getTime() - Date.now() + 5000);
      const wait = dueAt.getTime() - Date.now() + 5000;
      await sleep(Math.max(wait, 1000));
      const visibleLags = await visible;
      const rows = (
        await db.query(`SELECT EXTRACT(EPOCH FROM (created_at - scheduled_at)) * 1000 AS lag_ms FROM invocation_records WHERE scheduled_at = $1`, [dueAt])
      ).rows as Array<{ lag_ms: string }>;
      const lags = rows.map((r) => Number(r.lag_ms));
      return {
        schedules: options.schedules,
        dueTogether: options.dueTogether,
        fired: lags.length,
        early: lags.filter((l) => l < 0).length,
        lag: summarize(lags),
        visibleLag: summarize(visibleLags),
        ...memoryOf(env.children[0].pid!),
      };
    } finally {
      await db.end();
    }
  } finally {
    await env.close();
  }
}

/**
 * When the fire's records become visible to another connection, that is, committed: a reader
 * polls every 5 ms from just before `dueAt` and charges each new row to the poll that first saw
 * it (by the database clock), so the figure errs late by at most one poll.
 */
async function watchCommits(url: string, dueAt: Date, expected: number, forMs: number): Promise<number[]> {
  const reader = new Client({ connectionString: url });
  await reader.connect();
  try {
    await sleep(Math.max(0, dueAt.getTime() - Date.now() - 200));
    const lags: number[] = [];
    const until = Date.now() + forMs;
    while (lags.length < expected && Date.now() < until) {
      const [{ seen, at }] = (
        await reader.query('SELECT count(*)::int AS seen, clock_timestamp() AS at FROM invocation_records WHERE scheduled_at = $1', [dueAt])
      ).rows as Array<{ seen: number; at: Date }>;
      for (let n = lags.length; n < seen; n++) lags.push(at.getTime() - dueAt.getTime());
      await sleep(5);
    }
    return lags;
  } finally {
    await reader.end();
  }
}

/**
 * The naive alternative for comparison: @nestjs/schedule's way, one `cron` CronJob per schedule
 * in memory, each inserting its run into PostgreSQL when it fires. Runs in a child process so
 * its memory is its own.
 */
export async function measureNaiveCronJobs(options: { schedules: number; dueTogether: number }): Promise<FireLagResult & { startupMs: number }> {
  const env = new BenchEnvironment();
  try {
    const url = await env.startDatabase();
    const child = fork(join(__dirname, 'naive-cron-worker.js'), [url, String(options.schedules), String(options.dueTogether)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const result = await new Promise<{ lags: number[]; startupMs: number; rssMb: number; peakRssMb: number }>((resolve, reject) => {
      child.once('message', (message) => resolve(message as never));
      child.once('exit', (code) => reject(new Error(`naive worker exited with ${code}`)));
    });
    child.kill();
    return {
      schedules: options.schedules,
      dueTogether: options.dueTogether,
      fired: result.lags.length,
      early: result.lags.filter((l) => l < 0).length,
      lag: summarize(result.lags),
      rssMb: result.rssMb,
      peakRssMb: result.peakRssMb,
      startupMs: result.startupMs,
    };
  } finally {
    await env.close();
  }
}

export const schedulerScenario: BenchScenario = {
  name: 'scheduler',
  async run({ quick }) {
    const scale = quick ? { schedules: 10_000, dueTogether: 1000 } : { schedules: 100_000, dueTogether: 1000 };
    const ours = await measureSchedulerFireLag(scale);
    const naive = await measureNaiveCronJobs(scale);
    return [
      {
        scenario: `Scheduler fire lag, ${ours.schedules} schedules, ${ours.dueTogether} due in one second (scheduled → records committed)`,
        ours: `committed (seen by another connection): p50 ${ms(ours.visibleLag!.p50)}, p99 ${ms(ours.visibleLag!.p99)}; written: p50 ${ms(ours.lag.p50)}, p99 ${ms(ours.lag.p99)}; fired ${ours.fired}, early ${ours.early}`,
        reference: `one @nestjs/schedule CronJob per schedule: p99 ${ms(naive.lag.p99)}, fired ${naive.fired}, ${(naive.startupMs / 1000).toFixed(1)} s to start`,
        ratio: naive.lag.p99 / ours.visibleLag!.p99,
        target: 'p99 ≤ 250 ms, zero early',
        met: ours.visibleLag!.p99 <= 250 && ours.early === 0 && ours.fired === ours.dueTogether,
      },
      {
        scenario: '  service process RSS after the fire (peak)',
        ours: `${ours.rssMb.toFixed(0)} MB (${ours.peakRssMb.toFixed(0)} MB)`,
        reference: `${naive.rssMb.toFixed(0)} MB`,
        ratio: naive.rssMb / ours.rssMb,
        target: 'RSS ≤ 250 MB',
        met: ours.peakRssMb <= 250,
      },
    ];
  },
};
