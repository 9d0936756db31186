import { LATEST_YEAR, parseCronFields, type CronFields } from './cron-fields';
import { cronFireTimes, cronFireTimesWithGapShift, smallestCronGapSeconds } from './cron-schedule';
import { FrequencyError } from './frequency-error';
import { AT_PREFIX, nextRateFireMs, parseAt, parseRateSeconds, RATE_PREFIX } from './rate-and-at';
import {
  DEFAULT_TIME_ZONE,
  formatLocalIso,
  formatUtcIso,
  instantsAtWallClock,
  looksLikeTimeZone,
  parseTimeZone,
  wallClockMs,
  type TimeZoneSpec,
} from './time-zone';

/**
 * A validated frequency. Only the source text is kept: every computation parses it again, so a
 * schedule costs a short string in memory rather than a croner object.
 */
export interface Frequency {
  kind: 'cron' | 'rate' | 'at';
  /** As given, trimmed. */
  source: string;
  /** IANA name or `+08:00`-style offset, for display. */
  timeZone: string;
}

export interface ParseFrequencyOptions {
  /** The clock, injected so that "never fires again" and the year range are testable. */
  now: Date;
  minIntervalSeconds: number;
  /** Accepted for symmetry with the time functions; a rate always fires, so it is not needed. */
  createdAt?: Date;
}

export interface FirePreview {
  utc: string;
  /** ISO 8601 with the offset in force in the frequency's zone. */
  local: string;
  /** The wall time asked for did not exist (spring forward) and croner ran it just after the gap. */
  dstGap?: boolean;
  /** This wall time happens twice (fall back); `utc` says which occurrence. */
  dstOverlap?: boolean;
}

type CompiledFrequency =
  | { kind: 'cron'; zone: TimeZoneSpec; fields: CronFields }
  | { kind: 'rate'; zone: TimeZoneSpec; intervalSeconds: number }
  | { kind: 'at'; zone: TimeZoneSpec; fireAt: Date };

const FIELD_LAYOUT = 'second minute hour day-of-month month day-of-week [year]';

/** Syntax only: what holds whatever the clock says, so stored frequencies always compile again. */
function compile(source: string): CompiledFrequency {
  if (source === '') throw new FrequencyError('frequency is empty');
  if (RATE_PREFIX.test(source)) {
    return { kind: 'rate', zone: DEFAULT_TIME_ZONE, intervalSeconds: parseRateSeconds(source) };
  }
  if (AT_PREFIX.test(source)) return { kind: 'at', ...parseAt(source) };
  const tokens = source.split(/\s+/);
  const lastToken = tokens[tokens.length - 1];
  // After six fields a token starting with a letter can only be a zone (a year is digits); in
  // sixth place it may be a day name, so there only an unmistakable zone counts.
  const hasZone = (tokens.length >= 7 && /^[A-Za-z]/.test(lastToken)) || looksLikeTimeZone(lastToken);
  const fields = hasZone ? tokens.slice(0, -1) : tokens;
  if (fields.length < 6 || fields.length > 7) {
    throw new FrequencyError(
      `a cron expression has 6 or 7 fields (${FIELD_LAYOUT}), optionally followed by a time zone; ` +
        `got ${fields.length}${hasZone ? ` before the time zone '${lastToken}'` : ''} ` +
        `(other forms: rate(5m), at(2026-12-01 08:00:00))`,
    );
  }
  const zone = hasZone ? parseTimeZone(lastToken) : DEFAULT_TIME_ZONE;
  return { kind: 'cron', zone, fields: parseCronFields(fields) };
}

function compileStored(frequency: Frequency): CompiledFrequency {
  const compiled = compile(frequency.source.trim());
  if (compiled.kind !== frequency.kind) {
    throw new FrequencyError(`frequency '${frequency.source}' is a ${compiled.kind}, not a ${frequency.kind}`);
  }
  return compiled;
}

/** Validates a Frequency parameter; throws FrequencyError saying which part is wrong and why. */
export function parseFrequency(text: string, options: ParseFrequencyOptions): Frequency {
  requireDate(options.now, 'now');
  const source = text.trim();
  const compiled = compile(source);
  const { now, minIntervalSeconds } = options;
  if (compiled.kind === 'rate' && compiled.intervalSeconds < minIntervalSeconds) {
    throw new FrequencyError(`rate interval is ${compiled.intervalSeconds} s, under the minimum of ${minIntervalSeconds} s`);
  }
  if (compiled.kind === 'at' && compiled.fireAt.getTime() <= now.getTime()) {
    throw new FrequencyError(`at(): ${formatUtcIso(compiled.fireAt.getTime())} is not in the future`);
  }
  if (compiled.kind === 'cron') checkCronPolicy(compiled.fields, compiled.zone, now, minIntervalSeconds);
  return { kind: compiled.kind, source, timeZone: compiled.zone.display };
}

function checkCronPolicy(fields: CronFields, zone: TimeZoneSpec, now: Date, minIntervalSeconds: number): void {
  const currentYear = new Date(wallClockMs(zone, now.getTime())).getUTCFullYear();
  const pastYear = fields.years?.find((year) => year < currentYear);
  if (pastYear !== undefined) {
    throw new FrequencyError(
      `year field: ${pastYear} is in the past, so the expression would never fire then ` + `(years run from ${currentYear} to ${LATEST_YEAR})`,
    );
  }
  if (cronFireTimes(fields, zone, now, 1).length === 0) {
    throw new FrequencyError(`the cron expression never fires after ${formatUtcIso(now.getTime())}`);
  }
  const smallestGap = smallestCronGapSeconds(fields, zone, now);
  if (smallestGap < minIntervalSeconds) {
    throw new FrequencyError(`the cron expression fires ${smallestGap} s apart, under the minimum interval of ${minIntervalSeconds} s`);
  }
}

/** First fire strictly after `after`, or null; for a rate, createdAt + k × interval (k ≥ 1). */
export function nextFireTime(frequency: Frequency, after: Date, createdAt: Date): Date | null {
  return nextFireTimes(frequency, after, createdAt, 1)[0] ?? null;
}

/** Up to `count` fire times strictly after `after`, earliest first, in whole seconds. */
export function nextFireTimes(frequency: Frequency, after: Date, createdAt: Date, count: number): Date[] {
  checkTimeArguments(after, createdAt, count);
  return fireTimes(compileStored(frequency), after, createdAt, count);
}

function fireTimes(compiled: CompiledFrequency, after: Date, createdAt: Date, count: number): Date[] {
  if (count === 0) return [];
  switch (compiled.kind) {
    case 'cron':
      return cronFireTimes(compiled.fields, compiled.zone, after, count);
    case 'at':
      return compiled.fireAt.getTime() > after.getTime() ? [compiled.fireAt] : [];
    case 'rate': {
      const first = nextRateFireMs(compiled.intervalSeconds, createdAt, after);
      return Array.from({ length: count }, (_, index) => new Date(first + index * compiled.intervalSeconds * 1000));
    }
  }
}

/** Fire times as UTC and local ISO strings, flagging those touched by a DST transition. */
export function previewFireTimes(frequency: Frequency, after: Date, createdAt: Date, count: number): FirePreview[] {
  checkTimeArguments(after, createdAt, count);
  const compiled = compileStored(frequency);
  const { zone } = compiled;
  const times =
    compiled.kind === 'cron'
      ? cronFireTimesWithGapShift(compiled.fields, zone, after, count)
      : fireTimes(compiled, after, createdAt, count).map((time) => ({ time, movedOutOfGap: false }));
  return times.map(({ time, movedOutOfGap }) => {
    const instantMs = time.getTime();
    const preview: FirePreview = { utc: formatUtcIso(instantMs), local: formatLocalIso(zone, instantMs) };
    if (movedOutOfGap) preview.dstGap = true;
    if (instantsAtWallClock(zone, wallClockMs(zone, instantMs)).length > 1) preview.dstOverlap = true;
    return preview;
  });
}

function requireDate(value: Date, name: string): void {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new TypeError(`${name} must be a valid Date`);
}

function checkTimeArguments(after: Date, createdAt: Date, count: number): void {
  requireDate(after, 'after');
  requireDate(createdAt, 'createdAt');
  if (!Number.isInteger(count) || count < 0) throw new RangeError('count must be a whole number, zero or more');
}

/** A Frequency as stored (its source text and display zone), for computing fire times again. */
export function storedFrequency(source: string, timeZone: string): Frequency {
  const kind = RATE_PREFIX.test(source) ? 'rate' : AT_PREFIX.test(source) ? 'at' : 'cron';
  return { kind, source, timeZone };
}
