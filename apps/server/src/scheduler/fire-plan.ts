import type { MisfirePolicy } from '../runs/invocation-status';
import type { FireAdvance } from '../runs/fires';
import type { NewRecord } from '../runs/new-records';

/** How late a fire may be and still count as on time under `Skip` (ordinary scheduling jitter). */
export const ON_TIME_TOLERANCE_MS = 5000;

export interface FirePlan {
  /** The one scheduled time to run now, if any. */
  fireAt?: Date;
  /** Due times not run: recorded once, collapsed, with their count. */
  missed?: { first: Date; last: Date; count: number; countIsLowerBound: boolean };
}

/**
 * Which of an invocation's due fire times (ascending, all ≤ now) to run, and which were missed.
 * Normally there is exactly one, on time, and it runs. After downtime:
 * - default: the latest due time within MISFIRE_GRACE_SECONDS runs once, late; the rest are missed;
 * - FireOnceNow: the latest due time runs, however late; the rest are missed;
 * - Skip: nothing runs late; only a fire within ordinary jitter runs.
 */
export function planFires(due: readonly Date[], now: Date, options: { graceMs: number; policy: MisfirePolicy | null; truncated: boolean }): FirePlan {
  if (due.length === 0) return {};
  const latest = due[due.length - 1];
  const lateness = now.getTime() - latest.getTime();
  let fireAt: Date | undefined;
  switch (options.policy) {
    case 'FireOnceNow':
      fireAt = latest;
      break;
    case 'Skip':
      fireAt = lateness <= ON_TIME_TOLERANCE_MS ? latest : undefined;
      break;
    default:
      fireAt = lateness <= options.graceMs ? latest : undefined;
  }
  const notRun = fireAt ? due.slice(0, -1) : due;
  if (notRun.length === 0) return { fireAt };
  return {
    fireAt,
    missed: { first: notRun[0], last: notRun[notRun.length - 1], count: notRun.length, countIsLowerBound: options.truncated },
  };
}

/** A due invocation's fire times as computed from its schedule, or why they could not be. */
export type FireTimes = { dueTimes: Date[]; next: Date | null; truncated: boolean } | { error: string };

/** One claimed timed invocation, ready to plan. */
export interface DueFire {
  invokeId: string;
  /** The instances it still fires on: those a partial StopInvocation named are left out. */
  instanceIds: readonly string[];
  nextFireAt: Date;
  fireCount: number;
  policy: MisfirePolicy | null;
  times: FireTimes;
}

/** What a batch of fires writes: the records, each schedule's next state, and the agents to wake. */
export interface FireBatchPlan {
  records: NewRecord[];
  advances: FireAdvance[];
  woken: string[];
}

/**
 * Plans a batch of fires. Per invocation: the missed fires collapse into one Missed record per
 * instance; the fire that runs is Pending on each instance, or Skipped where the previous run
 * ("invoke instance" in `busy`) is still Pending or Running. A schedule that no longer computes
 * is recorded as Error on each instance and never fires again, so it cannot stall the others.
 */
export function planFireBatch(due: readonly DueFire[], now: Date, options: { graceMs: number; busy: ReadonlySet<string> }): FireBatchPlan {
  const records: NewRecord[] = [];
  const advances: FireAdvance[] = [];
  const woken = new Set<string>();
  for (const fire of due) {
    const { invokeId, instanceIds, times } = fire;
    let fireCount = fire.fireCount;
    if ('error' in times) {
      fireCount++;
      const errorInfo = `the frequency can no longer be computed: ${times.error}`.slice(0, 1024);
      for (const instanceId of instanceIds) {
        records.push({ invokeId, instanceId, scheduledAt: fire.nextFireAt, repeats: fireCount, status: 'Error', errorCode: 'InvalidFrequency', errorInfo });
      }
      advances.push({ invokeId, nextFireAt: null, fireCount });
      continue;
    }
    const plan = planFires(times.dueTimes, now, { graceMs: options.graceMs, policy: fire.policy, truncated: times.truncated });
    if (plan.missed) {
      fireCount++;
      const { first, last, count, countIsLowerBound } = plan.missed;
      const errorInfo = `${countIsLowerBound ? 'at least ' : ''}${count} scheduled fire(s) from ${first.toISOString()} to ${last.toISOString()} were missed while no service process could fire them`;
      for (const instanceId of instanceIds) {
        records.push({ invokeId, instanceId, scheduledAt: first, repeats: fireCount, status: 'Missed', errorCode: 'Misfire', errorInfo });
      }
    }
    if (plan.fireAt) {
      fireCount++;
      for (const instanceId of instanceIds) {
        const overlapping = options.busy.has(`${invokeId} ${instanceId}`);
        records.push({
          invokeId,
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
    advances.push({ invokeId, nextFireAt: times.next, fireCount });
  }
  return { records, advances, woken: [...woken] };
}
