import { Cron } from 'croner';
import type { CronFields } from './cron-fields';
import { cronerZoneOptions, type TimeZoneSpec } from './time-zone';

const SECONDS_PER_DAY = 86_400;
const DAY_MS = SECONDS_PER_DAY * 1000;

/**
 * How many upcoming firing days the minimum-interval check looks at. Day sets repeat with the
 * calendar, so 400 firing days covers more than a year of a daily schedule and decades of a
 * sparse one: long enough to meet every pair of consecutive firing days a pattern can produce.
 */
const FIRING_DAYS_SAMPLED = 400;

/**
 * A croner object costs about 80 KB, so one is built per computation and dropped right after;
 * none is ever kept per schedule. `paused` and the missing callback mean it never starts a timer.
 */
function withCron<T>(pattern: string, zone: TimeZoneSpec, use: (cron: Cron) => T): T {
  const cron = new Cron(pattern, { paused: true, mode: '7-part', ...cronerZoneOptions(zone) });
  try {
    return use(cron);
  } finally {
    cron.stop();
  }
}

/** Up to `count` fire times strictly after `after`, earliest first. */
export function cronFireTimes(fields: CronFields, zone: TimeZoneSpec, after: Date, count: number): Date[] {
  if (count <= 0) return [];
  return withCron(fields.cronerPattern, zone, (cron) => cron.nextRuns(count, after));
}

/**
 * Fire times with, for each, whether it was moved out of a DST gap. Croner runs a fixed-time job
 * whose wall time does not exist (02:30 on a spring-forward day) at the first valid time after the
 * gap; that moved time no longer matches the pattern, which is how it is recognised.
 */
export function cronFireTimesWithGapShift(
  fields: CronFields,
  zone: TimeZoneSpec,
  after: Date,
  count: number,
): Array<{ time: Date; movedOutOfGap: boolean }> {
  if (count <= 0) return [];
  return withCron(fields.cronerPattern, zone, (cron) =>
    cron.nextRuns(count, after).map((time) => ({ time, movedOutOfGap: !cron.match(time) })),
  );
}

/**
 * Smallest gap, in seconds, between consecutive fire times; Infinity when it fires at most once.
 *
 * Not a sample of fire times, which could miss a close pair late in a day of many fires, but:
 * - within a day, every firing day fires at the same seconds × minutes × hours times, so the
 *   smallest difference between consecutive times of day is exact;
 * - across midnight, the gap from a day's last fire to the next firing day's first fire is
 *   `days apart × 86400 − (last − first)`, smallest for the closest pair of firing days, which is
 *   looked for among the next FIRING_DAYS_SAMPLED firing days.
 * DST transitions are ignored: they can shorten a gap by the size of the shift on the transition
 * day only, and the default zone (fixed +08:00) has none.
 */
export function smallestCronGapSeconds(fields: CronFields, zone: TimeZoneSpec, from: Date): number {
  const { smallestWithinDay, firstOfDay, lastOfDay } = timesOfDay(fields);
  const closestDays = closestFiringDays(fields, zone, from);
  const acrossMidnight =
    closestDays === Infinity ? Infinity : closestDays * SECONDS_PER_DAY - (lastOfDay - firstOfDay);
  return Math.min(smallestWithinDay, acrossMidnight);
}

function timesOfDay(fields: CronFields): { smallestWithinDay: number; firstOfDay: number; lastOfDay: number } {
  let smallestWithinDay = Infinity;
  let previous: number | undefined;
  // Each list is ascending, so nesting hours → minutes → seconds yields times of day in order.
  for (const hour of fields.hours) {
    for (const minute of fields.minutes) {
      for (const second of fields.seconds) {
        const timeOfDay = hour * 3600 + minute * 60 + second;
        if (previous !== undefined) smallestWithinDay = Math.min(smallestWithinDay, timeOfDay - previous);
        previous = timeOfDay;
      }
    }
  }
  const firstOfDay = fields.hours[0] * 3600 + fields.minutes[0] * 60 + fields.seconds[0];
  return { smallestWithinDay, firstOfDay, lastOfDay: previous ?? firstOfDay };
}

/** Fewest days between two consecutive firing days among the next ones; Infinity if under two. */
function closestFiringDays(fields: CronFields, zone: TimeZoneSpec, from: Date): number {
  const days = withCron(fields.dayPattern, zone, (cron) => cron.nextRuns(FIRING_DAYS_SAMPLED, from));
  let closest = Infinity;
  for (let index = 1; index < days.length; index++) {
    // Rounded because a DST day lasts 23 or 25 hours.
    closest = Math.min(closest, Math.round((days[index].getTime() - days[index - 1].getTime()) / DAY_MS));
  }
  return closest;
}
