import { Cron } from 'croner';
import type { CronFields } from './cron-fields';
import { cronerZoneOptions, offsetMinutesAt, type TimeZoneSpec } from './time-zone';

const SECONDS_PER_DAY = 86_400;
const DAY_MS = SECONDS_PER_DAY * 1000;
const WEEK_MS = 7 * DAY_MS;

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
export function cronFireTimesWithGapShift(fields: CronFields, zone: TimeZoneSpec, after: Date, count: number): Array<{ time: Date; movedOutOfGap: boolean }> {
  if (count <= 0) return [];
  return withCron(fields.cronerPattern, zone, (cron) => cron.nextRuns(count, after).map((time) => ({ time, movedOutOfGap: !cron.match(time) })));
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
 * - a DST transition shortens real gaps around it (01:59:59 EST to 03:00:05 EDT is 6 s): the
 *   fire times around each transition of the coming year are computed and measured.
 */
export function smallestCronGapSeconds(fields: CronFields, zone: TimeZoneSpec, from: Date): number {
  const { smallestWithinDay, firstOfDay, lastOfDay } = timesOfDay(fields);
  const closestDays = closestFiringDays(fields, zone, from);
  const acrossMidnight = closestDays === Infinity ? Infinity : closestDays * SECONDS_PER_DAY - (lastOfDay - firstOfDay);
  return Math.min(smallestWithinDay, acrossMidnight, smallestGapAroundTransitions(fields, zone, from));
}

/**
 * Smallest real gap between fires next to the zone's transitions in the coming year; Infinity for
 * a fixed-offset zone. Consecutive fires on the same side of a transition are as far apart as
 * their wall clocks say, which the day-based bounds already cover; only the pair that straddles
 * it, and any fires croner moves onto the transition instant out of a skipped hour, can be closer.
 */
function smallestGapAroundTransitions(fields: CronFields, zone: TimeZoneSpec, from: Date): number {
  const transitions = offsetTransitions(zone, from.getTime(), from.getTime() + 400 * DAY_MS);
  if (transitions.length === 0) return Infinity;
  return withCron(fields.cronerPattern, zone, (cron) => {
    let smallest = Infinity;
    for (const at of transitions) {
      let previous: Date | null | undefined = cron.previousRuns(1, new Date(at))[0];
      while (previous && previous.getTime() <= at + 1000) {
        const next = cron.nextRun(previous);
        if (next) smallest = Math.min(smallest, (next.getTime() - previous.getTime()) / 1000);
        previous = next;
      }
    }
    return smallest;
  });
}

/** Instants (to the second) where the zone's UTC offset changes within [fromMs, toMs). */
function offsetTransitions(zone: TimeZoneSpec, fromMs: number, toMs: number): number[] {
  if (zone.kind === 'fixed') return [];
  const found: number[] = [];
  // A week at a time: no zone changes its offset twice within a week.
  for (let week = fromMs; week < toMs; week += WEEK_MS) {
    if (offsetMinutesAt(zone, week) === offsetMinutesAt(zone, week + WEEK_MS)) continue;
    let [before, after] = [week, week + WEEK_MS];
    while (after - before > 1000) {
      const middle = Math.floor((before + after) / 2);
      if (offsetMinutesAt(zone, middle) === offsetMinutesAt(zone, before)) before = middle;
      else after = middle;
    }
    found.push(after);
  }
  return found;
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
