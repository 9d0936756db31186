import { Inject, Injectable, Logger } from '@nestjs/common';
import { Frequency, nextFireTimes, storedFrequency } from '@ca/frequency';
import { APP_CONFIG } from '../config/app-config.token';
import type { AppConfig } from '../config/config.schema';
import { DispatchNotifier } from '../database/dispatch-notifier';
import { Sql } from '../database/sql';
import { operationsMetrics } from '../metrics/operations-metrics';
import { claimDueInvocations, DueInvocation, msUntilNextFire, unfinishedRuns, writeFires } from '../runs/fires';
import { NewRecord } from '../runs/new-records';
import { DueFire, FireTimes, planFireBatch } from './fire-plan';

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
      const busy = await unfinishedRuns(
        tx,
        due.map((d) => d.invoke_id),
      );
      const plan = planFireBatch(this.fireTimes(due, now), now, { graceMs: this.config.MISFIRE_GRACE_SECONDS * 1000, busy });
      await writeFires(tx, plan.records, plan.advances);
      await this.notifier.notify(tx, plan.woken);
      written = plan.records;
      return due.length;
    });
    operationsMetrics.observeFiresCommitted(written);
    return handled;
  }

  /**
   * Each claimed invocation with its due fire times. Schedules often share an expression
   * ("0 0 3 * * ?"): within a batch, a cron's times are computed once per (expression, due
   * time); a rate depends on its creation time too.
   */
  private fireTimes(due: readonly DueInvocation[], now: Date): DueFire[] {
    const computed = new Map<string, FireTimes>();
    return due.map((invocation) => {
      const frequency = storedFrequency(invocation.frequency, invocation.time_zone);
      const key = frequency.kind === 'rate' ? invocation.invoke_id : `${invocation.frequency}|${invocation.next_fire_at.getTime()}`;
      let times = computed.get(key);
      if (!times) {
        try {
          times = dueAndNext(frequency, invocation.next_fire_at, invocation.created_at, now);
        } catch (error) {
          times = { error: (error as Error).message };
        }
        computed.set(key, times);
      }
      if ('error' in times) {
        this.logger.error(`invocation ${invocation.invoke_id}: frequency '${invocation.frequency}' failed: ${times.error}`);
      }
      const stopped = invocation.stopped_instance_ids;
      return {
        invokeId: invocation.invoke_id,
        instanceIds: stopped.length > 0 ? invocation.instance_ids.filter((id) => !stopped.includes(id)) : invocation.instance_ids,
        nextFireAt: invocation.next_fire_at,
        fireCount: invocation.fire_count,
        policy: invocation.misfire_policy,
        times,
      };
    });
  }

  /** Milliseconds until the earliest next fire by the database's clock, or null when none is scheduled. */
  msUntilNextFire(): Promise<number | null> {
    return msUntilNextFire(this.sql);
  }
}
