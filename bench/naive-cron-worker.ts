import { CronJob } from 'cron';
import { readFileSync } from 'node:fs';
import { Pool } from 'pg';

/** Child process of measureNaiveCronJobs: N CronJobs, `due` of them at one second. */
async function main(): Promise<void> {
  const [url, schedulesText, dueText] = process.argv.slice(2);
  const schedules = Number(schedulesText);
  const due = Number(dueText);
  const pool = new Pool({ connectionString: url, max: 10 });
  await pool.query('CREATE TABLE naive_runs (job int, scheduled_at timestamptz, created_at timestamptz DEFAULT now())');
  // Enough lead to start every job first (0.5 ms each on an idle machine, over 1 ms here).
  const dueAt = new Date(Math.ceil(Date.now() / 1000) * 1000 + 10_000 + schedules * 1.6);
  const later = new Date(dueAt.getTime() + 3600_000);
  const cronAt = (at: Date): string => `${at.getUTCSeconds()} ${at.getUTCMinutes()} ${at.getUTCHours()} * * *`;
  const started = performance.now();
  const jobs: CronJob[] = [];
  for (let i = 0; i < schedules; i++) {
    const isDue = i < due;
    const at = isDue ? dueAt : later;
    jobs.push(
      CronJob.from({
        cronTime: cronAt(at),
        timeZone: 'UTC',
        start: true,
        onTick: isDue ? () => void pool.query('INSERT INTO naive_runs (job, scheduled_at) VALUES ($1, $2)', [i, dueAt]) : () => undefined,
      }),
    );
  }
  const startupMs = performance.now() - started;
  const wait = dueAt.getTime() - Date.now() + 5000;
  await new Promise((r) => setTimeout(r, Math.max(wait, 1000)));
  const rows = (await pool.query('SELECT EXTRACT(EPOCH FROM (created_at - scheduled_at)) * 1000 AS lag FROM naive_runs')).rows as Array<{ lag: string }>;
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  for (const job of jobs) void job.stop();
  await pool.end();
  process.send!({ lags: rows.map((r) => Number(r.lag)), startupMs, rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 });
}

void main();
