import type { MisfirePolicy } from '../invocations/invocation.entity';

/** How late a fire may be and still count as on time under `Skip` (ordinary scheduling jitter). */
export const ON_TIME_TOLERANCE_MS = 5000;

export interface FirePlan {
  /** The one scheduled time to run now, if any. */
  fireAt?: Date;
  /** Due times not run: recorded once, collapsed, with their count. */
  missed?: { first: Date; last: Date; count: number; countIsLowerBound: boolean };
}

/**
 * Which of an invocation's due fire times (ascending, all ≤ now) to run, and which were missed
 *. Normally there is exactly one, on time, and it runs. After downtime:
 * - default: the latest due time within MISFIRE_GRACE_SECONDS runs once, late; the rest are missed;
 * - FireOnceNow: the latest due time runs, however late; the rest are missed;
 * - Skip: nothing runs late; only a fire within ordinary jitter runs.
 */
export function planFires(
  due: readonly Date[],
  now: Date,
  options: { graceMs: number; policy: MisfirePolicy | null; truncated: boolean },
): FirePlan {
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
