import { Inject, Injectable, Logger } from '@nestjs/common';
import { Frequency, nextFireTimes, storedFrequency } from '@ca/frequency';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG } from '../config/app-config.token';
import type { AppConfig } from '../config/config.schema';
import { DispatchNotifier } from '../database/dispatch-notifier';
import type { MisfirePolicy } from '../invocations/invocation.entity';
import { operationsMetrics } from '../metrics/operations-metrics';
import { planFires } from './fire-plan';

/**
 * The due fire times from `first` up to `now`, and the first one after `now` (null if it never
 * fires again). Enumerated in growing chunks: normally one time is due and the next is future,
 * so the first chunk is that one next time (computing two cost a quarter more).
 */
export function dueAndNext(frequency: Frequency, first: Date, createdAt: Date, now: Date): { dueTimes: Date[]; next: Date | null; truncated: boolean } {
  const dueTimes = [first];
  let cursor = first;
  for (let chunk = 1; ; chunk = Math.min(chunk * 10, 1000)) {
    const times = nextFireTimes(frequency, cursor, createdAt, chunk);
    for (const time of times) {
      if (time > now) return { dueTimes, next: time, truncated: false };
      dueTimes.push(time);
      if (dueTimes.length >= MAX_DUE_ENUMERATED) {
        return { dueTimes, next: nextFireTimes(frequency, now, createdAt, 1)[0] ?? null, truncated: true };
      }
    }
    if (times.length < chunk) return { dueTimes, next: null, truncated: false };
    cursor = times[times.length - 1];
  }
}

/**
 * Runs the fire-time computation over many distinct expressions once, at start-up, so that the
 * first burst of fires (a thousand schedules due at 03:00, just after a deploy) meets code V8 has
 * already optimized: cold, a fire's computation took about twice as long. Nothing is stored.
 */
export function warmUpFireTimes(expressions = 1500): void {
  const createdAt = new Date();
  for (let i = 0; i < expressions; i++) {
    const frequency = storedFrequency(`${i % 60} ${(i * 7) % 60},${(i * 7 + 1) % 60} ${i % 24} * * ? ${2030 + (i % 60)}-2099`, '+08:00');
    dueAndNext(frequency, createdAt, createdAt, createdAt);
  }
}

/** Invocations claimed per transaction. */
export const FIRE_BATCH = 200;
/** Due times enumerated per invocation before counting the rest as "at least". */
const MAX_DUE_ENUMERATED = 10_000;

interface DueInvocation {
  invoke_id: string;
  instance_ids: string[];
  /** Instances a StopInvocation with InstanceId.N named: no longer fired on. */
  stopped_instance_ids: string[];
  frequency: string;
  time_zone: string;
  misfire_policy: MisfirePolicy | null;
  next_fire_at: Date;
  created_at: Date;
  fire_count: number;
}

interface RecordRow {
  invokeId: string;
  instanceId: string;
  scheduledAt: Date;
  repeats: number;
  status: 'Pending' | 'Skipped' | 'Missed' | 'Error';
  errorCode: string;
  errorInfo: string;
}

/**
 * Fires due timed invocations: claims them with FOR UPDATE SKIP LOCKED, so each
 * due invocation is handled by exactly one process at a time; writes each fire's per-instance
 * records, unique by (invocation, instance, scheduled time); advances the next fire time; all
 * in one transaction. A process killed mid-way rolls back and another fires it: none lost, none
 * doubled.
 */
@Injectable()
export class ScheduleFirer {
  private readonly logger = new Logger(ScheduleFirer.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly notifier: DispatchNotifier,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Fires one batch; returns how many invocations it handled (FIRE_BATCH means: call again). */
  async fireDueBatch(): Promise<number> {
    let written: RecordRow[] = [];
    const handled = await this.dataSource.transaction(async (manager) => {
      const due: DueInvocation[] = await manager.query(
        `SELECT invoke_id, instance_ids, stopped_instance_ids, frequency, time_zone, misfire_policy, next_fire_at, created_at, fire_count
           FROM invocations
          WHERE next_fire_at <= now()
          ORDER BY next_fire_at
          LIMIT $1
            FOR UPDATE SKIP LOCKED`,
        [FIRE_BATCH],
      );
      if (due.length === 0) return 0;
      for (const invocation of due) {
        if (invocation.stopped_instance_ids.length > 0) {
          invocation.instance_ids = invocation.instance_ids.filter((id) => !invocation.stopped_instance_ids.includes(id));
        }
      }
      const [{ now }]: Array<{ now: Date }> = await manager.query('SELECT now() AS now');
      const busy = await this.unfinishedRuns(manager, due.map((d) => d.invoke_id));
      const records: RecordRow[] = [];
      const advances: Array<{ invokeId: string; nextFireAt: Date | null; fireCount: number }> = [];
      const woken = new Set<string>();

      // Schedules often share an expression ("0 0 3 * * ?"): within this batch, compute a cron's
      // fire times once per (expression, due time). A rate depends on its creation time too.
      const computed = new Map<string, ReturnType<typeof dueAndNext>>();
      for (const invocation of due) {
        const frequency = storedFrequency(invocation.frequency, invocation.time_zone);
        const key = frequency.kind === 'rate' ? invocation.invoke_id : `${invocation.frequency}|${invocation.next_fire_at.getTime()}`;
        let times = computed.get(key);
        try {
          if (!times) computed.set(key, (times = dueAndNext(frequency, invocation.next_fire_at, invocation.created_at, now)));
        } catch (error) {
          // A stored expression that no longer computes (say, a zone this runtime does not know)
          // must not stall every schedule behind it: record the failure and stop this one.
          this.logger.error(`invocation ${invocation.invoke_id}: frequency '${invocation.frequency}' failed: ${(error as Error).message}`);
          for (const instanceId of invocation.instance_ids) {
            records.push({
              invokeId: invocation.invoke_id,
              instanceId,
              scheduledAt: invocation.next_fire_at,
              repeats: invocation.fire_count + 1,
              status: 'Error',
              errorCode: 'InvalidFrequency',
              errorInfo: `the frequency can no longer be computed: ${(error as Error).message}`.slice(0, 1024),
            });
          }
          advances.push({ invokeId: invocation.invoke_id, nextFireAt: null, fireCount: invocation.fire_count + 1 });
          continue;
        }
        const { dueTimes, next, truncated } = times;
        const plan = planFires(dueTimes, now, {
          graceMs: this.config.MISFIRE_GRACE_SECONDS * 1000,
          policy: invocation.misfire_policy,
          truncated,
        });
        let fireCount = invocation.fire_count;
        if (plan.missed) {
          fireCount++;
          const { first, last, count, countIsLowerBound } = plan.missed;
          for (const instanceId of invocation.instance_ids) {
            records.push({
              invokeId: invocation.invoke_id,
              instanceId,
              scheduledAt: first,
              repeats: fireCount,
              status: 'Missed',
              errorCode: 'Misfire',
              errorInfo: `${countIsLowerBound ? 'at least ' : ''}${count} scheduled fire(s) from ${first.toISOString()} to ${last.toISOString()} were missed while no service process could fire them`,
            });
          }
        }
        if (plan.fireAt) {
          fireCount++;
          for (const instanceId of invocation.instance_ids) {
            const overlapping = busy.has(`${invocation.invoke_id} ${instanceId}`);
            records.push({
              invokeId: invocation.invoke_id,
              instanceId,
              scheduledAt: plan.fireAt,
              repeats: fireCount,
              status: overlapping ? 'Skipped' : 'Pending',
              errorCode: overlapping ? 'PreviousRunNotFinished' : '',
              errorInfo: overlapping ? 'the previous run on this instance was still running at this fire time' : '',
            });
            if (!overlapping) woken.add(instanceId);
          }
        }
        advances.push({ invokeId: invocation.invoke_id, nextFireAt: next, fireCount });
      }

      await this.insertRecords(manager, records);
      written = records;
      await manager.query(
        // `= ANY($1)` as well as the join: it steers the planner to the primary key, never to a
        // scan of every schedule.
        `UPDATE invocations i SET next_fire_at = a.next_fire_at, fire_count = a.fire_count, updated_at = now()
           FROM unnest($1::varchar[], $2::timestamptz[], $3::int[]) AS a(invoke_id, next_fire_at, fire_count)
          WHERE i.invoke_id = a.invoke_id AND i.invoke_id = ANY($1)`,
        [advances.map((a) => a.invokeId), advances.map((a) => a.nextFireAt), advances.map((a) => a.fireCount)],
      );
      // A fire that queued work makes its invocation Running; skips and misses do not.
      const withWork = [...new Set(records.filter((r) => r.status === 'Pending').map((r) => r.invokeId))];
      if (withWork.length > 0) {
        await manager.query(
          `UPDATE invocations SET status = 'Running' WHERE invoke_id = ANY($1) AND status = 'Scheduled'`,
          [withWork],
        );
      }
      await this.notifier.notify(manager, [...woken]);
      return due.length;
    });
    operationsMetrics.observeFiresCommitted(written);
    return handled;
  }

  /** Milliseconds until the earliest next fire by the database's clock, or null when none is scheduled. */
  async msUntilNextFire(): Promise<number | null> {
    const [row]: Array<{ ms: number | null }> = await this.dataSource.query(
      `SELECT (EXTRACT(EPOCH FROM (min(next_fire_at) - clock_timestamp())) * 1000)::float8 AS ms
         FROM invocations WHERE next_fire_at IS NOT NULL`,
    );
    return row.ms === null ? null : Number(row.ms);
  }

  /** "invoke instance" pairs whose previous run is still Pending or Running (a fire never overlaps the previous run). */
  private async unfinishedRuns(manager: EntityManager, invokeIds: string[]): Promise<Set<string>> {
    const rows: Array<{ invoke_id: string; instance_id: string }> = await manager.query(
      `SELECT DISTINCT invoke_id, instance_id FROM invocation_records
        WHERE invoke_id = ANY($1) AND status IN ('Pending', 'Running')`,
      [invokeIds],
    );
    return new Set(rows.map((r) => `${r.invoke_id} ${r.instance_id}`));
  }

  private async insertRecords(manager: EntityManager, records: RecordRow[]): Promise<void> {
    if (records.length === 0) return;
    // Exactly once is the unique key (invocation, instance, scheduled time), not this code.
    await manager.query(
      `INSERT INTO invocation_records
              (invoke_id, instance_id, scheduled_at, repeats, status, error_code, error_info, output,
               finished_time, created_at, updated_at)
       SELECT r.invoke_id, r.instance_id, r.scheduled_at, r.repeats, r.status, r.error_code, r.error_info, '\\x'::bytea,
              CASE WHEN r.status = 'Pending' THEN NULL ELSE now() END, clock_timestamp(), now()
         FROM unnest($1::varchar[], $2::varchar[], $3::timestamptz[], $4::int[], $5::varchar[], $6::varchar[], $7::varchar[])
              AS r(invoke_id, instance_id, scheduled_at, repeats, status, error_code, error_info)
       ON CONFLICT ON CONSTRAINT invocation_records_run_key DO NOTHING`,
      [
        records.map((r) => r.invokeId),
        records.map((r) => r.instanceId),
        records.map((r) => r.scheduledAt),
        records.map((r) => r.repeats),
        records.map((r) => r.status),
        records.map((r) => r.errorCode),
        records.map((r) => r.errorInfo),
      ],
    );
  }
}
