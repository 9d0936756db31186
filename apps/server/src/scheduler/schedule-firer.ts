import { Inject, Injectable, Logger } from '@nestjs/common';
import { Frequency, nextFireTimes, storedFrequency } from '@ca/frequency';
import { APP_CONFIG } from '../config/app-config.token';
import type { AppConfig } from '../config/config.schema';
import { DispatchNotifier } from '../database/dispatch-notifier';
import { Sql } from '../database/sql';
import { operationsMetrics } from '../metrics/operations-metrics';
import { claimDueInvocations, FireAdvance, msUntilNextFire, unfinishedRuns, writeFires } from '../runs/fires';
import { NewRecord } from '../runs/new-records';
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
    private readonly sql: Sql,
    private readonly notifier: DispatchNotifier,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Fires one batch; returns how many invocations it handled (FIRE_BATCH means: call again). */
  async fireDueBatch(): Promise<number> {
    let written: NewRecord[] = [];
    const handled = await this.sql.transaction(async (tx) => {
      const { due, now } = await claimDueInvocations(tx, FIRE_BATCH);
      if (due.length === 0) return 0;
      for (const invocation of due) {
        if (invocation.stopped_instance_ids.length > 0) {
          invocation.instance_ids = invocation.instance_ids.filter((id) => !invocation.stopped_instance_ids.includes(id));
        }
      }
      const busy = await unfinishedRuns(tx, due.map((d) => d.invoke_id));
      const records: NewRecord[] = [];
      const advances: FireAdvance[] = [];
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

      await writeFires(tx, records, advances);
      written = records;
      await this.notifier.notify(tx, [...woken]);
      return due.length;
    });
    operationsMetrics.observeFiresCommitted(written);
    return handled;
  }

  /** Milliseconds until the earliest next fire by the database's clock, or null when none is scheduled. */
  msUntilNextFire(): Promise<number | null> {
    return msUntilNextFire(this.sql);
  }
}
