import { SchedulerRegistry } from '@nestjs/schedule';
import { newInvokeId } from '@ca/protocol';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { RETENTION_JOB, RetentionService } from '../../apps/server/src/retention/retention.service';
import { REGION } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';

const DAY = 86_400_000;
const daysAgo = (days: number): Date => new Date(Date.now() - days * DAY);

interface InvocationRow {
  status: string;
  createdDaysAgo: number;
  timed?: { nextFireAt: Date | null; stopped?: boolean };
}

/**
 * RECORD_RETENTION_DAYS purges finished history in the background. Rows are written
 * by SQL with the ages and states under test; the purge is the service's own, run once.
 */
describe('retention', () => {
  let app: TestApp;
  let retention: RetentionService;
  let scheduledAsJob: boolean;

  beforeAll(async () => {
    // A delivery timeout longer than the rows' ages: housekeeping must not abort the old Pending
    // record this suite writes (in real life it would have been aborted 60 s after its creation).
    app = await startTestApp({ RECORD_RETENTION_DAYS: '30', DELIVERY_TIMEOUT_SECONDS: String(400 * 86_400) });
    retention = app.app.get(RetentionService);
    // The tests run the purge themselves: a background pass in the middle would change the counts.
    const jobs = app.app.get(SchedulerRegistry);
    scheduledAsJob = jobs.getIntervals().includes(RETENTION_JOB);
    if (scheduledAsJob) jobs.deleteInterval(RETENTION_JOB);
  });
  afterAll(async () => {
    await app.close();
  });

  async function invocation(row: InvocationRow): Promise<string> {
    const invokeId = newInvokeId();
    await app.sql(
      `INSERT INTO invocations (invoke_id, region_id, command_id, command_name, command_type, command_content, parameters,
                                timeout, repeat_mode, frequency, time_zone, next_fire_at, status, instance_ids, stopped_at,
                                created_at, updated_at)
       VALUES ($1, $2, 'c-00000000000000000000000000000000', 'retention', 'RunShellScript', '\\x'::bytea, '{}', 60,
               $3, $4, $5, $6, $7, '{i-retention}', $8, $9, $9)`,
      [
        invokeId,
        REGION,
        row.timed ? 'Period' : 'Once',
        row.timed ? '0 0 3 * * ?' : null,
        row.timed ? '+08:00' : null,
        row.timed?.nextFireAt ?? null,
        row.status,
        row.timed?.stopped ? daysAgo(row.createdDaysAgo) : null,
        daysAgo(row.createdDaysAgo),
      ],
    );
    return invokeId;
  }

  /**
   * `count` records of one invocation, all created `createdDaysAgo`, one per scheduled time. The
   * scheduled times never repeat within the suite: two calls in the same millisecond would
   * otherwise collide on the run key.
   */
  let recordsWritten = 0;
  async function records(invokeId: string, status: string, createdDaysAgo: number, count = 1): Promise<void> {
    const created = daysAgo(createdDaysAgo);
    await app.sql(
      `INSERT INTO invocation_records (invoke_id, instance_id, scheduled_at, status, output, created_at, updated_at, finished_time)
       SELECT $1, 'i-retention', $3::timestamptz - (n + $5::int) * interval '1 second', $2::varchar, '\\x'::bytea, $3, $3,
              CASE WHEN $2::varchar IN ('Pending', 'Running') THEN NULL ELSE $3::timestamptz END
         FROM generate_series(1, $4::int) AS n`,
      [invokeId, status, created, count, recordsWritten],
    );
    recordsWritten += count;
  }

  async function left(invokeId: string): Promise<{ invocation: boolean; records: Record<string, number> }> {
    const [{ n }] = await app.sql<{ n: number }>('SELECT count(*)::int AS n FROM invocations WHERE invoke_id = $1', [invokeId]);
    const rows = await app.sql<{ status: string; n: number }>(
      'SELECT status, count(*)::int AS n FROM invocation_records WHERE invoke_id = $1 GROUP BY status',
      [invokeId],
    );
    return { invocation: n === 1, records: Object.fromEntries(rows.map((r) => [r.status, r.n])) };
  }

  it('runs as a @nestjs/schedule job of the service', () => {
    expect(scheduledAsJob).toBe(true);
  });

  it('deletes finished records and finished invocations older than the retention, and nothing else', async () => {
    const oldDone = await invocation({ status: 'Success', createdDaysAgo: 40 });
    await records(oldDone, 'Success', 40, 2);
    const oldStopped = await invocation({ status: 'Stopped', createdDaysAgo: 40 });
    await records(oldStopped, 'Cancelled', 40);
    const oldInFlight = await invocation({ status: 'Running', createdDaysAgo: 40 });
    await records(oldInFlight, 'Success', 40);
    await records(oldInFlight, 'Running', 40);
    await records(oldInFlight, 'Pending', 40);
    const recent = await invocation({ status: 'Failed', createdDaysAgo: 10 });
    await records(recent, 'Failed', 10);
    const timedActive = await invocation({ status: 'Scheduled', createdDaysAgo: 100, timed: { nextFireAt: new Date(Date.now() + DAY) } });
    await records(timedActive, 'Success', 40, 3);
    await records(timedActive, 'Skipped', 35);
    await records(timedActive, 'Success', 1);
    const timedActiveOnlyOld = await invocation({ status: 'Scheduled', createdDaysAgo: 100, timed: { nextFireAt: new Date(Date.now() + DAY) } });
    await records(timedActiveOnlyOld, 'Success', 60);
    const timedStopped = await invocation({ status: 'Stopped', createdDaysAgo: 100, timed: { nextFireAt: null, stopped: true } });
    await records(timedStopped, 'Success', 50, 2);
    const timedStoppedRecently = await invocation({ status: 'Stopped', createdDaysAgo: 100, timed: { nextFireAt: null, stopped: true } });
    await records(timedStoppedRecently, 'Success', 50);
    await records(timedStoppedRecently, 'Success', 2);

    const result = await retention.purgeExpired();

    expect(result).toEqual({ records: 2 + 1 + 1 + 3 + 1 + 1 + 2 + 1, invocations: 3 });
    await expect(left(oldDone)).resolves.toEqual({ invocation: false, records: {} });
    await expect(left(oldStopped)).resolves.toEqual({ invocation: false, records: {} });
    await expect(left(oldInFlight)).resolves.toEqual({ invocation: true, records: { Running: 1, Pending: 1 } });
    await expect(left(recent)).resolves.toEqual({ invocation: true, records: { Failed: 1 } });
    await expect(left(timedActive)).resolves.toEqual({ invocation: true, records: { Success: 1 } });
    await expect(left(timedActiveOnlyOld)).resolves.toEqual({ invocation: true, records: {} });
    await expect(left(timedStopped)).resolves.toEqual({ invocation: false, records: {} });
    await expect(left(timedStoppedRecently)).resolves.toEqual({ invocation: true, records: { Success: 1 } });
    await expect(retention.purgeExpired()).resolves.toEqual({ records: 0, invocations: 0 });
  });

  it('works through a backlog larger than one batch in a single pass', async () => {
    const big = await invocation({ status: 'Success', createdDaysAgo: 31 });
    await records(big, 'Success', 31, 2500);
    await expect(retention.purgeExpired()).resolves.toEqual({ records: 2500, invocations: 1 });
    await expect(left(big)).resolves.toEqual({ invocation: false, records: {} });
  });

  it('skips rows another process holds locked instead of waiting for them (replicas purge side by side)', async () => {
    const held = await invocation({ status: 'Success', createdDaysAgo: 45 });
    await records(held, 'Success', 45, 3);
    const other = new Client({ connectionString: app.database.url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT record_id FROM invocation_records WHERE invoke_id = $1 ORDER BY scheduled_at LIMIT 1 FOR UPDATE', [held]);
      await expect(retention.purgeExpired()).resolves.toEqual({ records: 2, invocations: 0 });
      await other.query('ROLLBACK');
    } finally {
      await other.end();
    }
    await expect(retention.purgeExpired()).resolves.toEqual({ records: 1, invocations: 1 });
  });

  it('RECORD_RETENTION_DAYS=0 keeps everything', async () => {
    const kept = await invocation({ status: 'Success', createdDaysAgo: 3650 });
    await records(kept, 'Success', 3650);
    const keepForever = new RetentionService(app.app.get(DataSource), { ...app.config, RECORD_RETENTION_DAYS: 0 });
    await expect(keepForever.purgeExpired()).resolves.toEqual({ records: 0, invocations: 0 });
    await expect(left(kept)).resolves.toEqual({ invocation: true, records: { Success: 1 } });
  });
});
